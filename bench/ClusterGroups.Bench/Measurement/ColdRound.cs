namespace ClusterGroups.Bench.Measurement;

// One crash-and-restart of a process under a burst (--cold-start): how long until it was up, then, from the moment the
// burst was sent, the first and the last answer, and what the answers were (Statuses: e.g. "201×30 503×2", 0 = no
// answer).
public sealed record ColdRound(
    string Target, int Round, double UpSeconds, double FirstMs, double LastMs, int Created, int ServerErrors, int Other, string Statuses)
{
    public int Answers => Created + ServerErrors + Other;
}
