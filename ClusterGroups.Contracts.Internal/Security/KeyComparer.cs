using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace ClusterGroups.Contracts.Security;

public static class SecurityHeaders
{
    // Between the Api and the nodes (Cluster:Key).
    public const string ClusterKey = "X-Cluster-Key";

    // From callers to the Api (Api:Keys:<name>); callers read it as ApiHeaders.ApiKey.
    public const string ApiKey = ApiHeaders.ApiKey;
}

public static class KeyComparer
{
    // SHA-256: what is compared is the keys' hashes, never the keys.
    public const int HashSize = 32;

    // Constant time in the length of the expected key: a wrong key takes as long to refuse whatever it shares with the
    // right one, and hashing both first also hides the expected key's length. The hashes are taken beforehand: an
    // accepted key's once when the keys are read (KeyAuthenticationOptions), the presented key's once per request
    // whatever the number of accepted keys.
    public static bool Matches(ReadOnlySpan<byte> presentedHash, ReadOnlySpan<byte> expectedHash) =>
        CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash);

    public static byte[] Hash(string key)
    {
        var hash = new byte[HashSize];
        Hash(key, hash);
        return hash;
    }

    // The key's UTF-8 goes through a buffer on the stack (a key is short), wiped after use, not through a new array.
    public static void Hash(string key, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        var most = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = most <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(most));
        var length = Encoding.UTF8.GetBytes(key, buffer);
        SHA256.HashData(buffer[..length], destination);
        CryptographicOperations.ZeroMemory(buffer[..length]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
