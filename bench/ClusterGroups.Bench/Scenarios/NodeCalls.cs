using System.Net.Http.Headers;
using System.Text;

namespace ClusterGroups.Bench.Scenarios;

// The physical reference: the seed's POST /v1/group/ and DELETE /v1/group/ sent straight to one node, as a bare client
// would (no Idempotency-Key): the node's own cost, without the Api.
public sealed class NodeCalls(HttpClient http, Uri node)
{
    private readonly Uri _group = new(node, "/v1/group/");

    public Task<Answer> PostAsync(string groupId, CancellationToken ct) => SendAsync(HttpMethod.Post, groupId, 201, ct);

    public Task<Answer> DeleteAsync(string groupId, CancellationToken ct) => SendAsync(HttpMethod.Delete, groupId, 200, ct);

    private async Task<Answer> SendAsync(HttpMethod method, string groupId, int expected, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, _group) { Content = Body(groupId) };
        using var response = await Requests.SendAsync(http, request, ct);
        if (response is null)
        {
            return Answer.NoAnswer("client-timeout");
        }

        await response.Content.LoadIntoBufferAsync(ct);
        var status = (int)response.StatusCode;
        return new Answer($"http-{status}", status == expected, null);
    }

    // The seed's body, with a Content-Length (the seed's client sends one).
    private static ByteArrayContent Body(string groupId)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"{{\"groupId\":\"{groupId}\"}}"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
