using System.Text;
using System.Text.Json.Nodes;

namespace ClusterGroups.Tests.Infrastructure.Proxy;

/// <summary>
/// One request forwarded to one replica and the answer the replica gave, whatever then became of it (<see cref="Fate"/>:
/// forwarded, dropped, held, duplicated). <see cref="Sequence"/> counts answers in the order they came.
/// </summary>
public sealed record ProxyExchange(
    int Sequence, ProxyRequest Request, Uri Replica, string Fate, int Status, string? MediaType,
    IReadOnlyDictionary<string, string[]> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>The operation the answer names: a report's operationId, or a problem's (409 in progress).</summary>
    public string? OperationId => Json?["operationId"]?.GetValue<string>();

    public override string ToString() =>
        $"#{Sequence} {Request.Method} {Request.PathAndQuery} key={Request.IdempotencyKey} -> {Replica.Authority} {Fate}: {Status} {(Text.Length > 240 ? Text[..240] + "…" : Text)}";
}
