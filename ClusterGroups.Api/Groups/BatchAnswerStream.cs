using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Groups;

// 200 application/x-ndjson, for a caller that asks for it (Accept): one line per write as soon as that write ends,
// {"index", "status", "headers", "body"}, so a write's answer never waits for a slower write of its batch (a batch's
// writes are separate operations; under faults one may take seconds while the others take milliseconds). The lines
// come in the order the writes end, each naming its write by its position in the request; what ends together goes in
// one flush. The request lasts until every write has ended, whether or not the caller is still reading: the writes
// run in the request's services.
public sealed class BatchAnswerStream(IReadOnlyList<Task<BatchAnswer>> answers) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext http)
    {
        var ended = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        for (var i = 0; i < answers.Count; i++)
        {
            var index = i;
            _ = answers[i].ContinueWith(_ => ended.Writer.TryWrite(index), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = BatchRequest.AnswerStream;
        var body = http.Response.BodyWriter;
        var reading = await FlushAsync(http);
        await using var json = new Utf8JsonWriter(body);
        for (var left = answers.Count; left > 0;)
        {
            // Every write ends (BatchWrites answers each one whatever happens), so this wait is bounded by the writes'.
            var index = await ended.Reader.ReadAsync(CancellationToken.None);
            do
            {
                left--;
                // A write whose answer could not be made (never expected: BatchWrites answers what throws) gets no line;
                // the caller sends it again alone with its key.
                if (reading && answers[index].IsCompletedSuccessfully)
                {
                    answers[index].Result.WriteTo(json, index);
                    json.Flush();
                    json.Reset(body);
                    body.Write("\n"u8);
                }
            }
            while (left > 0 && ended.Reader.TryRead(out index));

            reading = reading && await FlushAsync(http);
        }
    }

    // False once the caller has gone: the remaining writes still end, unread.
    private static async Task<bool> FlushAsync(HttpContext http)
    {
        try
        {
            var flushed = await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
            return !flushed.IsCompleted && !flushed.IsCanceled;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

// One line of the stream, for the OpenAPI document (OpenApiExtensions adds it beside BatchAnswers' application/json:
// ApiExplorer keeps one response type per status).
public sealed record BatchAnswerLineView(int Index, int Status, IReadOnlyDictionary<string, string> Headers, JsonElement? Body);
