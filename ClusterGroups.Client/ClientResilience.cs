using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace ClusterGroups.Client;

// The standard resilience handler as this client configures it (README, "Calling it from .NET").
//
// It retries POST and DELETE, which the handler's defaults also do and which is unsafe for a plain HTTP write: a write
// whose answer was lost may have run, and running it again could undo what a later caller did. It is safe here
// because every write the client sends carries an Idempotency-Key, the same on every try, and a Request-Deadline: the
// Api answers a second copy of a key with the first one's operation (202/its outcome while it runs, 409 "in progress"
// while it is still being made) and starts nothing after the deadline (issue 26). So a request is retried only when it
// is safe to repeat: a GET, or a request carrying an Idempotency-Key (the operator's POSTs carry none and are sent once).
//
// What is retried: no answer (connection failure, a try's timeout), 408, 429, and 5xx, honouring Retry-After, except
// 5xx answers that are final: an operation's own "rolled back" (503 with its report: the same key would be answered
// with it again; a new try needs a new key, the caller's choice) or "abandoned" (502 with its report), and the Api's deadline refusal (504 problem+json:
// the deadline has passed for every later try too).
internal static class ClientResilience
{
    public static void Configure(HttpStandardResilienceOptions resilience, ClusterGroupsClientOptions client)
    {
        var attempt = client.AttemptTimeout < client.Timeout ? client.AttemptTimeout : client.Timeout;
        resilience.TotalRequestTimeout.Timeout = client.Timeout;
        resilience.AttemptTimeout.Timeout = attempt;

        resilience.Retry.MaxRetryAttempts = Math.Max(1, client.MaxRetries);
        resilience.Retry.Delay = client.RetryDelay;
        resilience.Retry.UseJitter = true;
        resilience.Retry.ShouldRetryAfterHeader = true;
        resilience.Retry.ShouldHandle = async args =>
            client.MaxRetries > 0 && SafeToRepeat(args.Context.GetRequestMessage()) && await IsTransientAsync(args.Outcome);

        // The breaker counts what the retry counts as a failure, whatever the method.
        resilience.CircuitBreaker.ShouldHandle = async args => await IsTransientAsync(args.Outcome);
        var sampling = attempt * 2;
        resilience.CircuitBreaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
    }

    public static bool SafeToRepeat(HttpRequestMessage? request) =>
        request is not null
        && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Headers.Contains(ApiHeaders.IdempotencyKey));

    public static async ValueTask<bool> IsTransientAsync(Outcome<HttpResponseMessage> outcome)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }

        if (outcome.Result is not { StatusCode: System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.GatewayTimeout } response)
        {
            return true;
        }

        // Read once here; the content is buffered, so the client reads it again after the handler.
        await response.Content.LoadIntoBufferAsync();
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode is System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.BadGateway
            ? !IsOperationReport(body)
            : !string.Equals(response.Content.Headers.ContentType?.MediaType, ApiAnswer.ProblemMediaType, StringComparison.OrdinalIgnoreCase);
    }

    // A body that carries an operation's outcome (the report's fields) is that operation's answer.
    private static bool IsOperationReport(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("operationId", out var id) && id.ValueKind == JsonValueKind.String
                && json.RootElement.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.String
                && Enum.TryParse<ClusterGroups.Contracts.Operations.Outcome>(outcome.GetString(), out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
