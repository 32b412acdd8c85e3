namespace ClusterGroups.Api.Coordinator;

// Waiting for a group's lease while another operation holds it. Contention on one groupId is short (one operation):
// the wait backs off from 5 ms, doubling up to 100 ms, until the caller's deadline. One per attempt to take a lease.
internal sealed class LeaseWait(TimeSpan wait, TimeProvider time)
{
    private readonly long _deadline = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
    private TimeSpan _pause = TimeSpan.FromMilliseconds(5);

    // Waits before the next try; false, without waiting, once the deadline has passed (the lease stayed busy).
    public async Task<bool> NextAsync(CancellationToken ct)
    {
        if (time.GetTimestamp() >= _deadline)
        {
            return false;
        }

        await Task.Delay(_pause, time, ct);
        _pause = TimeSpan.FromMilliseconds(Math.Min(100, _pause.TotalMilliseconds * 2));
        return true;
    }
}
