using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ClusterGroups.Storage;

// The SHA1 by which a Redis-protocol store knows a script (EVALSHA), computed once per script text. RedisStore sends
// scripts by it itself so that nothing is sent again behind its back (RedisStore.EvaluateAsync).
internal sealed class ScriptHashes
{
    private readonly ConcurrentDictionary<string, byte[]> _hashes = new(StringComparer.Ordinal);

    // SHA1 is the store's choice (EVALSHA, SCRIPT LOAD), a name and not a safeguard.
    public byte[] Of(string script) => _hashes.GetOrAdd(script, static s => SHA1.HashData(Encoding.UTF8.GetBytes(s)));
}
