using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Client;

// The Api's JSON (web casing), read and written by code generated at build time: no reflection per call, and a program
// that trims its assemblies keeps what the client needs.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OperationReport))]
[JsonSerializable(typeof(OperationList))]
[JsonSerializable(typeof(GroupView))]
[JsonSerializable(typeof(GroupListView))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(ConsistencyReport))]
[JsonSerializable(typeof(ReconcileReport))]
[JsonSerializable(typeof(MembershipView))]
[JsonSerializable(typeof(DrainView))]
[JsonSerializable(typeof(NodeToAdd))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(GroupRequest))]
[JsonSerializable(typeof(BatchRequest))]
[JsonSerializable(typeof(AbandonRequest))]
internal sealed partial class ClientJson : JsonSerializerContext;

// POST /v1/operations/{id}/abandon
internal sealed record AbandonRequest(string Reason);

internal sealed record NodeToAdd(string? Name, string Address);
