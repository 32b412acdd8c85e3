using System.Text.Json.Nodes;
using ClusterGroups.Api.Groups;
using ClusterGroups.Api.Security;
using ClusterGroups.Contracts;
using ClusterGroups.Contracts.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

// The OpenAPI document (/openapi/v1.json) and its interactive reference (/scalar): the X-Api-Key scheme on every
// operation that needs a key (Scalar then sends the key typed once in its auth panel), the outcome table as the
// introduction, and an example per operation, so "try it" works from the first click.
public static class OpenApiExtensions
{
    public const string SecuritySchemeId = "ApiKey";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "ClusterGroups API";
                document.Info.Description = Introduction;
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeId] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = SecurityHeaders.ApiKey,
                    Description = "A caller key (Api:Keys:<name>). With the AppHost: parameter api-key, "
                                  + "`dotnet user-secrets list --project ClusterGroups.AppHost`.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, ct) =>
            {
                // Only endpoints that really demand a key say so (none do when no Api:Keys are configured).
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(SecuritySchemeId, context.Document)] = [],
                    });
                    operation.Responses?.TryAdd("401", new OpenApiResponse { Description = "No key, or not a known one (X-Api-Key)" });
                }

                var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
                AddExamples(operation, name);
                if (name == "WriteBatch")
                {
                    await AddAnswerStreamAsync(operation, context, ct);
                }
            });
        });

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(o => o
            .WithTitle("ClusterGroups API")
            .AddPreferredSecuritySchemes([SecuritySchemeId])
            .EnablePersistentAuthentication());
        return app;
    }

    private const string Introduction = """
        Keeps groups identical on every node of an unstable cluster: a create or delete is done on all nodes or on none,
        and the answer says what happened on each node.

        Every call under `/v1` needs a key in `X-Api-Key` (set it once in the authentication panel).

        | outcome | create | delete | meaning for the caller |
        |---|---|---|---|
        | `Committed` | 201 | 200 | done on every node |
        | `AlreadySo` | 409 | 404 | every node was already so; nothing changed |
        | `RolledBack` | 503 + `Retry-After` | 503 | failed; every node is as before; safe to send again |
        | `PendingRepair` | 202 + `Location` | 202 | failed; the rollback finishes by itself; follow `/v1/operations/{id}` |
        | `Abandoned` | 502 + `Location` | 502 | failed, and an operator gave its repair up (`POST /v1/operations/{id}/abandon`); the nodes may differ until reconciled (answered only by a replica whose operation was taken over) |
        | (refused) | 400 / 401 / 429 | 400 / 401 / 429 | bad input, no or wrong key, too many requests: no node touched |
        | (same `Idempotency-Key`, same request) | the first request's answer as it stands; 409 `outcome: "Running"` + `operationId` while it runs | same | a retry: nothing started |
        | (same `Idempotency-Key`, another request) | 422 | 422 | nothing done |
        | (`Request-Deadline` passed) | 504 | 504 | nothing done: the operation could not start in time |

        Failures are `application/problem+json` whose extension members are the operation report's fields: per node the
        effect, the compensation and every call (phase, attempt, status or error, time).
        """;

    // One example per operation (by endpoint name): the request body where there is one, and the usual answer.
    private static void AddExamples(OpenApiOperation operation, string? endpointName)
    {
        if (endpointName is null || !Examples.TryGetValue(endpointName, out var example))
        {
            return;
        }

        if (example.Request is { } request && operation.RequestBody?.Content is { } content)
        {
            foreach (var media in content.Values)
            {
                media.Example = JsonNode.Parse(request);
            }
        }

        if (operation.Responses is { } responses && responses.TryGetValue(example.Status, out var response)
            && response.Content?.TryGetValue("application/json", out var answer) == true)
        {
            answer.Example = JsonNode.Parse(example.Response);
        }
    }

    private sealed record Example(string? Request, string Status, string Response);

    // POST /v1/batch's second form of 200, asked for with Accept: application/x-ndjson (BatchAnswerStream): one line per
    // write as it ends. ApiExplorer keeps one response type per status, so it is added here beside application/json.
    private static async Task AddAnswerStreamAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) != true || ok!.Content is not { } content)
        {
            return;
        }

        content[BatchRequest.AnswerStream] = new OpenApiMediaType
        {
            Schema = await context.GetOrCreateSchemaAsync(typeof(BatchAnswerLineView), null, ct),
            Example = JsonNode.Parse($$"""{"index":1,"status":201,"headers":{"Content-Type":"application/json; charset=utf-8","Location":"/v1/group/demo-1/"},"body":{{Report}}}"""),
        };
    }

    private const string Report = """
        {"operationId":"op-019ad0c1e5f27c6e9d9a3c0e5b1f4a21","kind":"Create","groupId":"demo-1","outcome":"Committed",
         "summary":"created on 3 of 3 nodes","startedAt":"2026-12-01T10:00:00+00:00","endedAt":"2026-12-01T10:00:00.006+00:00",
         "durationMs":6.2,"owner":"api-1:5f0c","recoveries":0,"caller":"default",
         "nodes":[{"node":"node1","effect":"Applied","compensation":"NotNeeded","attempts":1,"durationMs":2.1,"action":"created",
                   "calls":[{"phase":"apply","attempt":1,"call":{"request":"create","status":201,"durationMs":2.1},"at":"2026-12-01T10:00:00.002+00:00"}]}]}
        """;

    private static readonly Dictionary<string, Example> Examples = new()
    {
        ["CreateGroup"] = new("""{"groupId":"demo-1"}""", "201", Report),
        ["DeleteGroup"] = new("""{"groupId":"demo-1"}""", "200", Report.Replace("\"Create\"", "\"Delete\"").Replace("created", "deleted")),
        ["DeleteGroupById"] = new(null, "200", Report.Replace("\"Create\"", "\"Delete\"").Replace("created", "deleted")),
        ["GetGroup"] = new(null, "200", """{"groupId":"demo-1","consistent":true,"presentOn":["node1","node2","node3"],"missingOn":[],"unreachable":[]}"""),
        ["ListGroups"] = new(null, "200", """{"consistent":false,"groups":[{"groupId":"demo-1","presentOn":["node1","node2","node3"],"missingOn":[]},{"groupId":"demo-2","presentOn":["node1"],"missingOn":["node2","node3"]}],"unreachable":[]}"""),
        ["GetOperation"] = new(null, "200", Report),
        ["ListOperations"] = new(null, "200", $$"""{"operations":[{{Report}}]}"""),
        ["ClusterStatus"] = new(null, "200", """{"nodeCount":3,"reachableCount":3,"nodes":[{"name":"node1","address":"http://node1","reachable":true,"latencyMs":1.2,"groupCount":42,"honoursIdempotency":true,"error":null,"role":"Active"}],"epoch":0}"""),
        ["Membership"] = new(null, "200", """{"epoch":2,"members":[{"name":"node1","role":"Active","address":null},{"name":"node2","role":"Active","address":null},{"name":"node3","role":"Out","address":null}]}"""),
        ["DrainNode"] = new(null, "200", """{"membership":{"epoch":2,"members":[{"name":"node1","role":"Active","address":null},{"name":"node2","role":"Active","address":null},{"name":"node3","role":"Out","address":null}]},"open":[]}"""),
        ["RejoinNode"] = new(null, "202", """{"epoch":2,"members":[{"name":"node1","role":"Active","address":null},{"name":"node2","role":"Active","address":null},{"name":"node3","role":"Out","address":null}]}""".Replace("\"Out\"", "\"Joining\"").Replace("\"epoch\":2", "\"epoch\":3")),
        ["AddNode"] = new("""{"name":"node4","address":"http://node4.internal:8080"}""", "202", """{"epoch":1,"members":[{"name":"node1","role":"Active","address":null},{"name":"node2","role":"Active","address":null},{"name":"node3","role":"Active","address":null},{"name":"node4","role":"Joining","address":"http://node4.internal:8080"}]}"""),
        ["Replicas"] = new(null, "200", """{"thisReplica":"api-7c9f:1","protocol":2,"journalReads":2,"replicas":[{"replica":"api-5d2a:1","protocol":2,"journalReads":2,"startedAt":"2026-12-04T09:00:00+00:00"},{"replica":"api-7c9f:1","protocol":3,"journalReads":3,"startedAt":"2026-12-04T10:00:00+00:00"}],"features":[{"name":"membership changes","needs":3,"usable":false}]}"""),
        ["RemoveNode"] = new(null, "200", """{"epoch":3,"members":[{"name":"node1","role":"Active","address":null},{"name":"node2","role":"Active","address":null}]}"""),
        ["Consistency"] = new(null, "200", """{"consistent":false,"checkedAt":"2026-12-01T10:00:00+00:00","nodes":["node1","node2","node3"],"unreachable":[],"divergent":[{"groupId":"demo-2","presentOn":["node1"],"missingOn":["node2","node3"],"lastOperation":{"operationId":"op-019ad0c1e5f27c6e9d9a3c0e5b1f4a22","kind":"Create","outcome":"PendingRepair","endedAt":null}}],"summary":"1 divergent group(s)"}"""),
        ["RetryOperation"] = new(null, "200", Report.Replace("\"Committed\"", "\"RolledBack\"")
            .Replace("\"caller\":\"default\",", "\"caller\":\"default\",\"actions\":[{\"action\":\"retry\",\"by\":\"alice\",\"at\":\"2026-12-01T10:05:00+00:00\",\"reason\":null}],")),
        ["AbandonOperation"] = new("""{"reason":"node2 is being replaced"}""", "200", Report.Replace("\"Committed\"", "\"Abandoned\"")
            .Replace("\"caller\":\"default\",", "\"caller\":\"default\",\"actions\":[{\"action\":\"abandon\",\"by\":\"alice\",\"at\":\"2026-12-01T10:05:00+00:00\",\"reason\":\"node2 is being replaced\"}],")),
        ["WriteBatch"] = new("""{"writes":[{"kind":"create","groupId":"demo-1","idempotencyKey":"0193a8f2c4e07b5d9e1f2a3b4c5d6e7f"},{"kind":"delete","groupId":"demo-2"}]}""", "200",
            $$$"""{"answers":[{"status":201,"headers":{"Content-Type":"application/json; charset=utf-8","Location":"/v1/group/demo-1/"},"body":{{{Report}}}},{"status":404,"headers":{"Content-Type":"application/problem+json"},"body":{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"The group exists on no node","status":404,"detail":"deleted on 0 of 3 nodes: already absent everywhere","outcome":"AlreadySo"}}]}"""),
        ["Caller"] = new(null, "200", """{"name":"alice","roles":["read","write","admin"]}"""),
        ["RetryPendingRepairs"] = new(null, "200", """{"closed":1,"stillOpen":0}"""),
        ["Reconcile"] = new(null, "200", """{"repaired":[{"groupId":"demo-3","action":"create","nodes":["node2"],"reason":"its last operation committed","operationId":"op-019ad0c1e5f27c6e9d9a3c0e5b1f4a23","outcome":"Committed"}],"unexplained":[],"leftToRecovery":[],"consistent":true}"""),
    };
}
