namespace ClusterGroups.Api.Model;

// A caller's Idempotency-Key, in the scope of the caller's API key name ("" when the Api has no keys: one shared
// scope), so that one caller never sees another's operations by guessing its key. It names one request (kind and
// groupId): the coordinator records which operation the key started when it begins it (KeyedRequest).
public sealed record RequestKey(string Scope, string Value)
{
    public const string OpenScope = "";

    public static RequestKey For(string? callerKeyName, string value) => new(callerKeyName ?? OpenScope, value);
}
