using System.Net.Http.Json;
using System.Net.Sockets;
using ClusterGroups.Contracts;

namespace ClusterGroups.Cli;

// The Api's HTTP calls. Any answer is returned as it came; only "no answer" becomes a CliException (exit 6).
public sealed class ApiClient : IDisposable
{
    public const string KeyHeader = ApiHeaders.ApiKey;

    private readonly HttpClient _http;

    public ApiClient(Uri baseAddress, string? key, TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseAddress;
        _http.Timeout = timeout;
        KeyGiven = !string.IsNullOrEmpty(key);
        if (KeyGiven)
        {
            _http.DefaultRequestHeaders.Add(KeyHeader, key);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public bool KeyGiven { get; }

    public Task<ApiAnswer> GetAsync(string path, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), write: false, ct);

    public Task<ApiAnswer> PostAsync(string path, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path), write: true, ct);

    public Task<ApiAnswer> PostJsonAsync(string path, object body, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, write: true, ct);

    // POST / DELETE /v1/group/ with the body {"groupId": "..."}, exactly as the seed's client sends it.
    public Task<ApiAnswer> WriteGroupAsync(HttpMethod method, string groupId, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(method, "/v1/group/") { Content = JsonContent.Create(new { groupId }) }, write: true, ct);

    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    private async Task<ApiAnswer> SendAsync(HttpRequestMessage request, bool write, CancellationToken ct)
    {
        var what = $"{request.Method} {request.RequestUri}";
        try
        {
            using (request)
            using (var response = await _http.SendAsync(request, ct))
            {
                return new ApiAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(ct), what);
            }
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCode.Unreachable, $"Cannot reach the Api at {BaseAddress}: {Describe(e)}.", e.Message);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCode.Unreachable,
                $"The Api at {BaseAddress} did not answer {what} within {_http.Timeout.TotalSeconds:0} s"
                + (write ? "; the operation may have run anyway, see `groups ops --open`." : "."), e.Message);
        }
    }

    private static string Describe(HttpRequestException e) => e switch
    {
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection refused",
        { HttpRequestError: HttpRequestError.NameResolutionError } => "the host name does not resolve",
        { HttpRequestError: HttpRequestError.ConnectionError } => "the connection failed",
        { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS handshake failed",
        _ => e.Message.TrimEnd('.'),
    };

    public void Dispose() => _http.Dispose();
}
