using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterGroups.Tests.Infrastructure;

public static class HttpExtensions
{
    public static Task<HttpResponseMessage> PostGroupAsync(this HttpClient http, string groupId, string path = "/v1/group/") =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(new { groupId }) }).WaitAsync(Wait.Request);

    public static Task<HttpResponseMessage> DeleteGroupAsync(this HttpClient http, string groupId, string path = "/v1/group/") =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Content = Json(new { groupId }) }).WaitAsync(Wait.Request);

    // A create or delete with an Idempotency-Key and, when given, a Request-Deadline (DELETE /v1/group/{id} byPath).
    public static async Task<HttpResponseMessage> WriteAsync(
        this HttpClient http, HttpMethod method, string groupId, string key, DateTimeOffset? deadline = null, bool byPath = false)
    {
        using var request = GroupWrite(method, groupId, byPath);
        request.Headers.Add(ClusterGroups.Contracts.ApiHeaders.IdempotencyKey, key);
        if (deadline is { } at)
        {
            request.Headers.Add(ClusterGroups.Contracts.ApiHeaders.RequestDeadline, ClusterGroups.Client.ClusterGroupsClient.Rfc3339(at));
        }

        return await http.SendAsync(request).WaitAsync(Wait.Request);
    }

    public static HttpRequestMessage GroupWrite(HttpMethod method, string groupId, bool byPath = false) => byPath
        ? new HttpRequestMessage(method, $"/v1/group/{groupId}")
        : new HttpRequestMessage(method, "/v1/group/") { Content = Json(new { groupId }) };

    public static Task<HttpResponseMessage> SendRawAsync(this HttpClient http, HttpMethod method, string path, string? body, string contentType = "application/json") =>
        http.SendAsync(new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, contentType),
        }).WaitAsync(Wait.Request);

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static async Task<HashSet<string>> GroupIdsAsync(this HttpClient node)
    {
        var list = await (await node.GetAsync("/v1/groups").WaitAsync(Wait.Request)).JsonAsync();
        return [.. list["groups"]!.AsArray().Select(g => g!["groupId"]!.GetValue<string>())];
    }

    private static StringContent Json(object value) =>
        new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
