using System.Net.Http.Headers;
using System.Text;

namespace ClusterGroups.Bench.Scenarios;

// Create and delete through the Api (POST /v1/group, DELETE /v1/group with the seed's body), read as outcome classes:
// committed 201/200, already so 409/404, rolled back 503, pending repair 202; the body's "outcome" names the class.
public sealed class ApiCalls(HttpClient http, Uri api)
{
    private readonly Uri _group = new(api, "/v1/group");

    public Task<Answer> CreateAsync(string groupId, CancellationToken ct) => SendAsync(HttpMethod.Post, groupId, ct);

    public Task<Answer> DeleteAsync(string groupId, CancellationToken ct) => SendAsync(HttpMethod.Delete, groupId, ct);

    public static bool IsSuccess(string outcome) =>
        outcome.Equals("Committed", StringComparison.OrdinalIgnoreCase) || outcome.Equals("AlreadySo", StringComparison.OrdinalIgnoreCase);

    private async Task<Answer> SendAsync(HttpMethod method, string groupId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, _group) { Content = Body(groupId) };
        using var response = await Requests.SendAsync(http, request, ct);
        if (response is null)
        {
            return Answer.NoAnswer("client-timeout");
        }

        var body = await response.Content.ReadAsByteArrayAsync(ct);
        var report = ReportReader.Read(body);
        var status = (int)response.StatusCode;
        var outcome = report.Outcome ?? (status == 503 ? "Busy" : $"http-{status}");
        return new Answer(status, outcome, IsSuccess(outcome), report.NodeCalls, report.MetRetryAfter, report.Timing);
    }

    public static ByteArrayContent Body(string groupId)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"{{\"groupId\":\"{groupId}\"}}"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
