using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ClusterGroups.Client;

// The batch request of the client's group commit (WriteBatcher): writes that queued behind requests in flight go in
// one POST /v1/batch (sent once: the request carries no key of its own). The client asks for the answers as they end
// (Accept: application/x-ndjson, BatchRequest.AnswerStream), so each caller gets its write's answer as soon as that
// write ends, not when the slowest write of its batch does; an Api that answers all at once (application/json) is read
// that way. Each write gets its answer from the batch unless its own request would not have ended there: a write the
// batch left unanswered (no answer, a refusal of the batch, a stream cut short, a line that cannot be read) and a write
// answered with what the resilience handler retries (ClientResilience) go again alone, with the same key and deadline,
// and get what that request gets.
public sealed partial class ClusterGroupsClient
{
    internal async Task SendBatchAsync(IReadOnlyList<PendingWrite> writes)
    {
        var settling = new Task?[writes.Count];
        await ReadBatchAsync(writes, (index, answer) => settling[index] ??= SettleAsync(writes[index], answer));
        for (var i = 0; i < writes.Count; i++)
        {
            settling[i] ??= SettleAsync(writes[i], null);
        }

        await Task.WhenAll(settling!);
    }

    private async Task SettleAsync(PendingWrite write, ApiAnswer? answer)
    {
        try
        {
            write.Answer.TrySetResult(answer is not null && !await RetriedAlone(answer) ? answer : await write.Client.SendOneAsync(write));
        }
        catch (Exception e)
        {
            write.Answer.TrySetException(e);
        }
    }

    // Hands each answer the batch gives to `answered` (write's position, answer) as it is read; what it does not hand
    // on is for the caller to send again. Never throws: a batch that fails is a batch that answered nothing more.
    private async Task ReadBatchAsync(IReadOnlyList<PendingWrite> writes, Action<int, ApiAnswer> answered)
    {
        var timeout = writes.Min(w => w.Deadline) - _time.GetUtcNow();
        if (_writes.BatchesRefused || timeout <= TimeSpan.Zero)
        {
            return;
        }

        var body = Json(new BatchRequest([.. writes.Select(w => new BatchWrite(
            w.Kind == OperationKind.Create ? BatchWrite.Create : BatchWrite.Delete, w.GroupId, w.Key, Rfc3339(w.Deadline)))]), ClientJson.Default.BatchRequest);
        using var timer = new CancellationTokenSource(timeout, _time);
        using var request = NewRequest(HttpMethod.Post, BatchPath, body, null, null);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(BatchRequest.AnswerStream));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json", 0.5));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                _writes.BatchesRefused = true;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return;
            }

            if (response.Content.Headers.ContentType?.MediaType == BatchRequest.AnswerStream)
            {
                using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(timer.Token), Encoding.UTF8);
                while (await lines.ReadLineAsync(timer.Token) is { } line)
                {
                    if (AnswerOfLine(line, writes) is { } read)
                    {
                        answered(read.Index, read.Answer);
                    }
                }

                return;
            }

            var all = ReadAnswers(await response.Content.ReadAsStringAsync(timer.Token), writes);
            for (var i = 0; i < all.Length; i++)
            {
                if (all[i] is { } answer)
                {
                    answered(i, answer);
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException
                                      or Polly.Timeout.TimeoutRejectedException or Polly.ExecutionRejectedException)
        {
            // No answer, or the rest of it lost: what was not handed on goes again alone.
        }
    }

    // One line of a streamed answer: {"index", "status", "headers", "body"}; null for a line that names no write of
    // this batch or cannot be read (that write goes again alone).
    private (int Index, ApiAnswer Answer)? AnswerOfLine(string line, IReadOnlyList<PendingWrite> writes)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var item = json.RootElement;
            return item.ValueKind == JsonValueKind.Object
                   && item.TryGetProperty("index", out var at) && at.ValueKind == JsonValueKind.Number
                   && at.TryGetInt32(out var index) && index >= 0 && index < writes.Count
                   && AnswerOf(item, writes[index]) is { } answer
                ? (index, answer)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // {"answers": [{"status", "headers": {"Content-Type", "Location", "Retry-After"}, "body"}, ...]}, one per write in
    // order (docs: BatchRequest); none when the answer is not that, with exactly one per write.
    private ApiAnswer?[] ReadAnswers(string body, IReadOnlyList<PendingWrite> writes)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("answers", out var items)
                || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() != writes.Count)
            {
                return [];
            }

            return [.. items.EnumerateArray().Select((item, i) => AnswerOf(item, writes[i]))];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    // A write's answer, read as its own response would be; null when it has no valid status.
    private ApiAnswer? AnswerOf(JsonElement item, PendingWrite write) =>
        item.ValueKind == JsonValueKind.Object
        && item.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number
        && status.TryGetInt32(out var code) && code is >= 100 and < 600
            ? new ApiAnswer($"{write.Method} /{GroupPath}",
                (HttpStatusCode)code,
                item.TryGetProperty("body", out var content) && content.ValueKind != JsonValueKind.Null ? content.GetRawText() : "",
                MediaTypeHeaderValue.TryParse(Header(item, "Content-Type"), out var type) ? type.MediaType : null,
                RetryConditionHeaderValue.TryParse(Header(item, "Retry-After"), out var after) ? RetryAfterOf(after) : null,
                write.Key)
            : null;

    private static string? Header(JsonElement item, string name) =>
        item.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object
        && headers.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    // Whether the write's own request, answered so, would have been tried again by the resilience handler.
    private async Task<bool> RetriedAlone(ApiAnswer answer)
    {
        if (_options.MaxRetries == 0)
        {
            return false;
        }

        using var response = new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body) };
        response.Content.Headers.ContentType = answer.MediaType is null ? null : new MediaTypeHeaderValue(answer.MediaType);
        return await ClientResilience.IsTransientAsync(Polly.Outcome.FromResult(response));
    }
}
