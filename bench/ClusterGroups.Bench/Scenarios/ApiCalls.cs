using ClusterGroups.Bench.Measurement;
using ClusterGroups.Client;
using ClusterGroups.Contracts.Operations;

namespace ClusterGroups.Bench.Scenarios;

// Create and delete through the Api with ClusterGroups.Client (one try per call: a retry would hide the latency being
// measured), read as outcome classes: the report's outcome, or the refusal's name (Busy, http-<status>), or
// client-timeout when no answer came.
public sealed class ApiCalls(ClusterGroupsClient client)
{
    public Task<Answer> CreateAsync(string groupId, CancellationToken ct) => SendAsync(true, groupId, ct);

    public Task<Answer> DeleteAsync(string groupId, CancellationToken ct) => SendAsync(false, groupId, ct);

    private async Task<Answer> SendAsync(bool create, string groupId, CancellationToken ct)
    {
        try
        {
            var report = create ? await client.CreateAsync(groupId, cancellationToken: ct) : await client.DeleteAsync(groupId, cancellationToken: ct);
            return From(report);
        }
        catch (GroupBusyException)
        {
            return new Answer("Busy", false, null);
        }
        catch (ApiRefusedException e)
        {
            return new Answer($"http-{(int)e.StatusCode}", false, null);
        }
        catch (UnexpectedAnswerException e)
        {
            return new Answer($"http-{(int)e.StatusCode}", false, null);
        }
        catch (ClusterGroupsException e) when (e is ApiTimeoutException or ApiUnreachableException && !ct.IsCancellationRequested)
        {
            return Answer.NoAnswer("client-timeout");
        }
    }

    // What the bench keeps of a report: the node calls made for the operation (its nodes' attempts), whether any of
    // them carried a node's Retry-After (the protocol then waited because a node asked it to), and its timings.
    private static Answer From(OperationReport report)
    {
        var calls = report.Nodes.SelectMany(n => n.Calls).ToList();
        return new Answer(
            report.Outcome.ToString(),
            report.Outcome is Outcome.Committed or Outcome.AlreadySo,
            report.Nodes.Sum(n => n.Attempts),
            calls.Any(c => c.Call.RetryAfterMs is not null),
            new ReportTiming(report.OperationId, report.DurationMs, calls.Count == 0 ? 0 : calls.Max(c => c.Call.DurationMs)));
    }
}
