namespace ClusterGroups.Web.Startup;

// Which warm-up steps have not succeeded yet; read by the "warm-up" health check.
public sealed class WarmUpState
{
    private readonly HashSet<string> _pending = [];

    public IReadOnlyList<string> Pending
    {
        get
        {
            lock (_pending)
            {
                return [.. _pending];
            }
        }
    }

    public bool IsWarm => Pending.Count == 0;

    internal void Starting(string step)
    {
        lock (_pending)
        {
            _pending.Add(step);
        }
    }

    internal void Done(string step)
    {
        lock (_pending)
        {
            _pending.Remove(step);
        }
    }
}
