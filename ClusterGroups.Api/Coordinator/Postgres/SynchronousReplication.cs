using Npgsql;

namespace ClusterGroups.Api.Coordinator.Postgres;

// PostgreSQL commits locally first, then waits for its synchronous standby. When that wait is cut short (the client's
// cancel request, a command timeout, the backend terminated) it answers the command's normal success with a 01000
// WARNING "canceling wait for synchronous replication" (or "canceling the wait ..."): the commit is on the primary
// only, and a failover may lose it. Such a success is not an acknowledgement.
public static class SynchronousReplication
{
    public static bool IsCancelledWait(PostgresNotice notice) =>
        notice.SqlState == "01000" && notice.MessageText.Contains("wait for synchronous replication", StringComparison.OrdinalIgnoreCase);
}
