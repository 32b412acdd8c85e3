namespace ClusterGroups.Web.Startup;

// One thing a process does before it takes requests (docs/ARCHITECTURE.md, "Cold start"): open a connection, load
// scripts, make a first call through a client. Run by WarmUpService; retried until it succeeds once.
public interface IWarmUp
{
    string Name { get; }

    Task RunAsync(CancellationToken ct);
}
