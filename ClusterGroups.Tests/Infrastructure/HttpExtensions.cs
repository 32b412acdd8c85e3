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
