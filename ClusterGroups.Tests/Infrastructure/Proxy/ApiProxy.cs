using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClusterGroups.Tests.Infrastructure.Proxy;

/// <summary>
/// A real network hop between a caller and the Api's replicas (Kestrel on a loopback port of the test process), which
/// a test scripts to lose answers, hold requests and copy them: the faults a caller's retries and deadlines are for.
/// Requests go to the replicas in turn, so a retry reaches the other replica than the try before it. The scripted
/// faults apply to the next writes (POST, DELETE) in order of arrival; reads pass untouched. Thread-safe: every
/// request is served on its own, the script is a concurrent queue and the record a concurrent one.
/// Forwarding is a few lines over HttpClient rather than a reverse-proxy library because the faults need the whole
/// request in hand (a held request outlives its caller's connection; a duplicated one is sent twice at once).
/// </summary>
public sealed class ApiProxy : IAsyncDisposable
{
    // Headers of one connection (RFC 9110, 7.6.1), not of the request: never forwarded.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly IReadOnlyList<Uri> _replicas;
    private readonly HttpMessageInvoker _forward = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
    private readonly ConcurrentQueue<ProxyFault> _script = new();
    private readonly ConcurrentQueue<ProxyExchange> _exchanges = new();
    private readonly ConcurrentBag<HeldRequest> _holds = [];
    private int _requests = -1;
    private int _sequence;

    private ApiProxy(WebApplication app, IReadOnlyList<Uri> replicas) => (_app, _replicas) = (app, replicas);

    /// <summary>The proxy's own address: give it to the client as the Api's.</summary>
    public Uri Address => new(_app.Urls.First());

    /// <summary>Every request the proxy forwarded, with the answer it got, in the order the answers came.</summary>
    public IReadOnlyList<ProxyExchange> Exchanges => [.. _exchanges];

    public static async Task<ApiProxy> StartAsync(IReadOnlyList<Uri> replicas)
    {
        ArgumentOutOfRangeException.ThrowIfZero(replicas.Count);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new ApiProxy(app, replicas);
        app.Run(proxy.ServeAsync);
        await app.StartAsync().WaitAsync(Wait.Request);
        return proxy;
    }

    /// <summary>The next <paramref name="count"/> writes reach the Api and are answered there; their answers are lost on the way back (the caller's connection is reset).</summary>
    public void DropNextAnswers(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _script.Enqueue(new ProxyFault.DropAnswer());
        }
    }

    /// <summary>The next write is held in the network until the test releases it, then forwarded, whether its caller still waits or not.</summary>
    public HeldRequest HoldNext()
    {
        var held = new HeldRequest();
        _holds.Add(held);
        _script.Enqueue(new ProxyFault.Hold(held));
        return held;
    }

    /// <summary>The next write is sent to every replica at the same moment (the caller gets the first replica's answer).</summary>
    public void DuplicateNext() => _script.Enqueue(new ProxyFault.Duplicate());

    private async Task ServeAsync(HttpContext context)
    {
        var request = await ProxyRequest.ReadAsync(context.Request);
        var fault = request.IsWrite && _script.TryDequeue(out var next) ? next : null;

        if (fault is ProxyFault.Hold hold)
        {
            // A request held in the network does not follow its caller's connection: it is delivered all the same.
            hold.Request.Arrive(request);
            await hold.Request.Released.WaitAsync(Wait.Resource);
        }

        ProxyExchange answer;
        if (fault is ProxyFault.Duplicate)
        {
            // Both copies built first, then sent together: they reach the two replicas within a moment of each other.
            var copies = _replicas.Select(replica => (replica, message: request.ToMessage(replica, HopByHop))).ToList();
            var answers = await Task.WhenAll(copies.Select(c => ForwardAsync(request, c.replica, c.message, "duplicated")));
            answer = answers[0];
        }
        else
        {
            var replica = _replicas[(int)((uint)Interlocked.Increment(ref _requests) % (uint)_replicas.Count)];
            answer = await ForwardAsync(request, replica, request.ToMessage(replica, HopByHop),
                fault switch { ProxyFault.DropAnswer => "dropped", ProxyFault.Hold => "held", _ => "forwarded" });
        }

        if (fault is ProxyFault.Hold forwarded)
        {
            forwarded.Request.Answer(answer);
        }

        if (fault is ProxyFault.DropAnswer || context.RequestAborted.IsCancellationRequested)
        {
            // The Api has answered; the caller never hears it.
            context.Abort();
            return;
        }

        context.Response.StatusCode = answer.Status;
        foreach (var (name, values) in answer.Headers.Where(h => !HopByHop.Contains(h.Key)))
        {
            context.Response.Headers[name] = values;
        }

        context.Response.ContentLength = answer.Body.Length;
        await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }

    private async Task<ProxyExchange> ForwardAsync(ProxyRequest request, Uri replica, HttpRequestMessage message, string fate)
    {
        // Not the caller's token: once sent, a request is the Api's, whether the caller still waits or not.
        using (message)
        using (var response = await _forward.SendAsync(message, CancellationToken.None).WaitAsync(Wait.Request))
        {
            var body = await response.Content.ReadAsByteArrayAsync().WaitAsync(Wait.Request);
            var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
            var exchange = new ProxyExchange(Interlocked.Increment(ref _sequence), request, replica, fate, (int)response.StatusCode,
                response.Content.Headers.ContentType?.MediaType, headers, body);
            _exchanges.Enqueue(exchange);
            return exchange;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A request still held would keep its connection, and the server's stop, waiting.
        foreach (var held in _holds)
        {
            held.Release();
        }

        await _app.StopAsync().WaitAsync(Wait.Request);
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}
