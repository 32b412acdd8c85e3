using ClusterGroups.Api.Model;

namespace ClusterGroups.Simulation.World;

// The Api's randomness, drawn from the run's seed: operation ids (version 7 Guids of the replica's clock and seeded
// bits), lease owners, retry jitter; the replica's name (its announcement's).
public sealed class SimEntropy(Random random, string replica) : Entropy
{
    public override string NewOperationId(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        var ms = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return $"op-{new Guid(bytes, bigEndian: true):N}";
    }

    public override string Instance => replica;

    public override string NewLeaseOwner() => $"{replica}:{random.NextInt64():x16}";

    public override double NextDouble() => random.NextDouble();
}
