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
    // Constant time in the length of the expected key: a wrong key takes as long to refuse whatever it shares with the
    // right one. (Hashing both first also hides the expected key's length.)
    public static bool Matches(string? presented, string expected)
    {
        if (presented is null)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
