using System.Text.Json.Nodes;
using ClusterGroups.Api.Groups;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.UnitTests.Groups;

// Each outcome class as the HTTP answer a caller acts on (docs/ARCHITECTURE.md, "Outcomes and HTTP statuses"),
// written by the same result the Api's endpoint returns.
public sealed class OperationResultsTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();

    private static OperationReport Report(Outcome outcome, OperationKind kind) =>
        new("op-7", kind, "g1", outcome, "summary of op-7", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 12, null, 0,
            [new NodeReport("node1", NodeEffect.Applied, CompensationState.Pending, "created; undo pending", 1, 5, [])]);

    private static async Task<(HttpContext Http, JsonNode? Body)> AnswerAsync(Outcome outcome, OperationKind kind)
    {
        var http = new DefaultHttpContext { RequestServices = Services };
        http.Response.Body = new MemoryStream();
        await OperationResults.From(Report(outcome, kind), http).Result.ExecuteAsync(http);
        http.Response.Body.Position = 0;
        return (http, http.Response.Body.Length == 0 ? null : await JsonNode.ParseAsync(http.Response.Body));
    }

    [Theory]
    [InlineData(Outcome.Committed, OperationKind.Create, 201)]
    [InlineData(Outcome.Committed, OperationKind.Delete, 200)]
    [InlineData(Outcome.AlreadySo, OperationKind.Create, 409)]
    [InlineData(Outcome.AlreadySo, OperationKind.Delete, 404)]
    [InlineData(Outcome.RolledBack, OperationKind.Create, 503)]
    [InlineData(Outcome.PendingRepair, OperationKind.Delete, 202)]
    [InlineData(Outcome.Abandoned, OperationKind.Create, 502)]
    [InlineData(Outcome.Abandoned, OperationKind.Delete, 502)]
    public async Task Every_outcome_has_its_own_status(Outcome outcome, OperationKind kind, int status)
    {
        var (http, body) = await AnswerAsync(outcome, kind);

        Assert.Equal(status, http.Response.StatusCode);
        Assert.Equal(outcome.ToString(), body?["outcome"]?.GetValue<string>());
    }

    [Fact]
    public async Task Abandoned_says_an_operator_gave_the_repair_up_and_the_nodes_may_differ_never_that_nothing_changed()
    {
        var (http, body) = await AnswerAsync(Outcome.Abandoned, OperationKind.Create);

        var title = body!["title"]!.GetValue<string>();
        Assert.Contains("operator gave up its repair", title);
        Assert.Contains("nodes may differ", title);
        Assert.DoesNotContain("nothing changed", title);
        Assert.DoesNotContain("rolled back", title);
        // Not "send again later" (503 + Retry-After), and where to look.
        Assert.False(http.Response.Headers.ContainsKey("Retry-After"));
        Assert.Equal("/v1/operations/op-7", http.Response.Headers.Location.ToString());
        Assert.Equal("summary of op-7", body["detail"]!.GetValue<string>());
    }
}
