using System.Text;
using StackExchange.Redis;

namespace ClusterGroups.Simulation.Keyspace;

// Redis keys and values are byte strings. The keyspace holds them as .NET strings with one char per byte (Latin-1):
// binary-safe, and ordinal order is then Redis' memcmp order (ZRANGE ties). ASCII, which every key, id and script
// of ours is, reads the same either way, so it takes the fast path.
internal static class ByteText
{
    public static string From(RedisValue value)
    {
        if (value.IsNull)
        {
            return "";
        }

        // All ASCII as text means all ASCII as bytes: a non-ASCII byte never decodes to an ASCII char.
        var text = value.ToString();
        return Ascii.IsValid(text) ? text : Encoding.Latin1.GetString((byte[])value!);
    }

    public static string From(RedisKey key)
    {
        var text = (string?)key ?? "";
        return Ascii.IsValid(text) ? text : Encoding.Latin1.GetString((byte[])key!);
    }

    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static RedisValue ToValue(string text) => Ascii.IsValid(text) ? text : Bytes(text);
}
