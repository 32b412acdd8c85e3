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
        using var request = new HttpRequestMessage(method, _group) { Content = ApiCalls.Body(groupId) };
        using var response = await Requests.SendAsync(http, request, ct);
        if (response is null)
        {
            return Answer.NoAnswer("client-timeout");
        }

        await response.Content.LoadIntoBufferAsync(ct);
        var status = (int)response.StatusCode;
        return new Answer(status, $"http-{status}", status == expected, null);
    }
}
