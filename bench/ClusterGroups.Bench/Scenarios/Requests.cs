namespace ClusterGroups.Bench.Scenarios;

// Sends one request; a transport failure or the client's own timeout is an answer too (null), never a crash.
// Cancellation by the phase (its drain cap) propagates.
public static class Requests
{
    public static async Task<HttpResponseMessage?> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
