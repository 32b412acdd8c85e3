namespace ClusterGroups.Simulation.World;

// How unreliable the network is in one run, drawn from its seed: the share of requests lost before they arrive, of
// answers lost after the request was served, of requests delivered twice (a second, late copy), and of hops held
// (a slow proxy, a retransmission): held up to MaxHold, long past the sender's timeout, so a request arrives late
// (after its sender asked what became of it) and an answer comes after the sender gave up.
public sealed record NetworkFaults(double LoseRequest, double LoseAnswer, double Duplicate, double Hold, TimeSpan MaxHold)
{
    public static readonly NetworkFaults None = new(0, 0, 0, 0, TimeSpan.Zero);

    public static NetworkFaults Draw(Random random) => new(
        LoseRequest: random.NextDouble() * 0.05,
        LoseAnswer: random.NextDouble() * 0.05,
        Duplicate: random.NextDouble() * 0.03,
        Hold: random.NextDouble() < 0.3 ? random.NextDouble() * 0.3 : random.NextDouble() * 0.08,
        MaxHold: TimeSpan.FromSeconds(1 + random.Next(40)));
}
