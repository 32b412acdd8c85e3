namespace ClusterGroups.Cli;

// The Api's answers as they came, for --json ("the Api's JSON as it answered") and a batch's per-id status: the client
// returns reports and typed exceptions, and this handler, the last before the network, keeps the status and body of
// each answer in the capture the command opened for that call. A capture belongs to one async flow, so the parallel
// calls of a batch each keep their own.
public sealed class AnswerCapture(HttpMessageHandler network) : DelegatingHandler(network)
{
    private static readonly AsyncLocal<Captured?> Current = new();

    /// <summary>Opens a capture for the calls this flow makes from now on (synchronous, so the caller's flow keeps it).</summary>
    public static Captured Open() => Current.Value = new Captured();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        if (Current.Value is { } captured)
        {
            // Buffered: the client reads the same body after this.
            await response.Content.LoadIntoBufferAsync(ct);
            captured.Answer = new RawAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }

        return response;
    }
}

// The last answer a flow received.
public sealed class Captured
{
    public RawAnswer? Answer { get; set; }

    public string Body => Answer?.Body ?? "";
}

public sealed record RawAnswer(int Code, string Body);
