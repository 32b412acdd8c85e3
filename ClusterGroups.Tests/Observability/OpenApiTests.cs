using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClusterGroups.Tests.Observability;

// The OpenAPI document as Scalar and client generators read it: the X-Api-Key scheme, required by every operation
// under /v1, the outcome table as the introduction, an example per operation. (An in-process Api; its node is never
// called.)
public sealed class OpenApiTests : IAsyncLifetime
{
    private readonly WebApplicationFactory<ClusterGroups.Api.FanOut.FanOutProtocol> _factory =
        new WebApplicationFactory<ClusterGroups.Api.FanOut.FanOutProtocol>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Cluster:Nodes:0", "http://127.0.0.1:9");
            web.UseSetting("Api:Keys:alice", "alice-key");
        });

    [Fact]
    public async Task The_document_declares_the_key_scheme_and_every_v1_operation_requires_it()
    {
        var document = await DocumentAsync();

        var scheme = document["components"]!["securitySchemes"]!["ApiKey"]!;
        Assert.Equal("apiKey", scheme["type"]!.GetValue<string>());
        Assert.Equal("header", scheme["in"]!.GetValue<string>());
        Assert.Equal(SecurityHeaders.ApiKey, scheme["name"]!.GetValue<string>());

        var operations = Operations(document).ToList();
        Assert.True(operations.Count >= 10, $"only {operations.Count} operations in the document");
        Assert.All(operations, o =>
        {
            var security = o.Operation["security"]?.AsArray();
            Assert.True(security is { Count: > 0 } && security.Any(r => r!.AsObject().ContainsKey("ApiKey")),
                $"{o.Method} {o.Path} does not require the ApiKey scheme");
            Assert.NotNull(o.Operation["responses"]!["401"]);
        });
    }

    [Fact]
    public async Task The_introduction_has_the_outcome_table_and_every_operation_an_example()
    {
        var document = await DocumentAsync();

        var description = document["info"]!["description"]!.GetValue<string>();
        foreach (var row in new[] { "`Committed` | 201 | 200", "`AlreadySo` | 409 | 404", "`RolledBack` | 503", "`PendingRepair` | 202" })
        {
            Assert.Contains(row, description);
        }

        Assert.All(Operations(document), o =>
            Assert.True(o.Operation["responses"]!.AsObject().Any(r => r.Value!["content"]?["application/json"]?["example"] is not null),
                $"{o.Method} {o.Path} has no example answer"));
        var create = document["paths"]!["/v1/group"]!["post"]!;
        Assert.Equal("demo-1", create["requestBody"]!["content"]!["application/json"]!["example"]!["groupId"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_batch_route_documents_both_forms_of_its_answer_the_array_and_the_stream()
    {
        var document = await DocumentAsync();

        var ok = document["paths"]!["/v1/batch"]!["post"]!["responses"]!["200"]!["content"]!;
        Assert.NotNull(ok["application/json"]?["example"]?["answers"]);
        Assert.Equal(1, ok["application/x-ndjson"]?["example"]?["index"]?.GetValue<int>());
        Assert.NotNull(ok["application/x-ndjson"]?["schema"]);
    }

    [Fact]
    public async Task Scalar_prefers_the_key_scheme_so_its_auth_panel_sends_the_key()
    {
        var page = await _factory.CreateClient().GetStringAsync("/scalar/").WaitAsync(Wait.Request);

        Assert.Matches("\"preferredSecuritySchemes?\":\\s*\\[?\"ApiKey\"", page);
    }

    private async Task<JsonNode> DocumentAsync()
    {
        // Served without a key: a client generator or Scalar reads it before anyone typed one.
        var answer = await _factory.CreateClient().GetAsync("/openapi/v1.json").WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.JsonAsync();
    }

    private static IEnumerable<(string Path, string Method, JsonNode Operation)> Operations(JsonNode document) =>
        from path in document["paths"]!.AsObject()
        where path.Key.StartsWith("/v1", StringComparison.Ordinal)
        from method in path.Value!.AsObject()
        select (path.Key, method.Key, method.Value!);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
