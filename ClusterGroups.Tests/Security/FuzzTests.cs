using System.Collections.Concurrent;
using System.Net.Http.Headers;
using ClusterGroups.Tests.Infrastructure;
using CsCheck;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Security;

// Thousands of malformed requests (MalformedRequests), with valid keys so they reach the endpoints: every answer is
// a 4xx (never a 5xx, never a hang), and no store changes.
[Collection(ClusterCollection.Name)]
public sealed class FuzzTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private const int PerTarget = 2500;

    [Fact]
    public async Task Malformed_requests_to_the_api_and_a_node_get_4xx_and_change_nothing()
    {
        var before = await cluster.SnapshotAsync();
        var answers = new ConcurrentDictionary<string, int>();

        foreach (var target in new[] { "api", "node1" })
        {
            using var client = FuzzClient(target);
            await FuzzAsync(target, client, answers);
        }

        Assert.Equal(before, await cluster.SnapshotAsync());
        output.WriteLine($"fuzz: {answers.Values.Sum()} requests; answers: {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}"))}");
        Assert.Equal(2 * PerTarget, answers.Values.Sum());
    }

    public static TheoryData<string, string> FramingCases => new()
    {
        { "api", "too large by Content-Length" }, { "api", "too large, chunked" }, { "api", "Content-Length longer than the body" },
        { "api", "Content-Length shorter than the body" }, { "api", "bad chunk size" }, { "api", "chunk without its CRLF" },
        { "api", "chunked body cut off" }, { "api", "Content-Length not a number" },
        { "node1", "too large by Content-Length" }, { "node1", "too large, chunked" }, { "node1", "Content-Length longer than the body" },
        { "node1", "Content-Length shorter than the body" }, { "node1", "bad chunk size" }, { "node1", "chunk without its CRLF" },
        { "node1", "chunked body cut off" }, { "node1", "Content-Length not a number" }, { "node1", "chaos settings too large" },
    };

    // Framing HttpClient will not produce, over a raw socket, with a valid key: a 4xx (413 for too large), as a
    // problem when the request reached the application (Kestrel itself refuses a head it cannot parse, bodiless),
    // and nothing written.
    [Theory]
    [MemberData(nameof(FramingCases))]
    public async Task Broken_framing_and_oversized_bodies_get_a_4xx_problem(string target, string framing)
    {
        var before = await cluster.SnapshotAsync();
        var (server, header, key) = Target(target);
        var limit = Microsoft.Extensions.Hosting.Extensions.MaxRequestBodySize;
        var big = limit * 2;
        var chunk = RawHttp.Ascii($"10000\r\n{new string('z', 0x10000)}\r\n");

        // A server that refuses while the client is still sending closes with bytes unread, and TCP answers those with
        // a reset that can overtake its 413 on the way out. So the too-large cases send nothing the server must leave
        // unread: by Content-Length, only the head (the refusal must come from the head alone); chunked, exactly the
        // limit and then one byte over it, the last piece the server reads.
        var justOver = Enumerable.Repeat(chunk, (int)(limit / 0x10000)).Append(RawHttp.Ascii("1\r\nz\r\n"));
        var valid = "{\"groupId\": \"frame-ok\"}";
        string Head(params string[] headers) => RawHttp.Head("POST", server, "/v1/group/", header, key, headers);

        (int Status, bool Problem, RawAnswer Answer) result = framing switch
        {
            "too large by Content-Length" => (413, true, await RawHttp.SendAsync(server, Head($"Content-Length: {big}"), [])),
            "too large, chunked" => (413, true, await RawHttp.SendAsync(server, Head("Transfer-Encoding: chunked"), justOver)),
            // The rest never comes: Kestrel's minimum body data rate (240 B/s after a 5 s grace) gives up waiting.
            "Content-Length longer than the body" => (408, true, await RawHttp.SendAsync(server, Head("Content-Length: 5000"),
                [RawHttp.Ascii(valid)])),
            "Content-Length shorter than the body" => (400, true, await RawHttp.SendAsync(server, Head("Content-Length: 5"),
                [RawHttp.Ascii(valid)])),
            "bad chunk size" => (400, true, await RawHttp.SendAsync(server, Head("Transfer-Encoding: chunked"),
                [RawHttp.Ascii("zz\r\n{}\r\n0\r\n\r\n")])),
            "chunk without its CRLF" => (400, true, await RawHttp.SendAsync(server, Head("Transfer-Encoding: chunked"),
                [RawHttp.Ascii($"{valid.Length:x}\r\n{valid}XX0\r\n\r\n")])),
            "chunked body cut off" => (408, true, await RawHttp.SendAsync(server, Head("Transfer-Encoding: chunked"),
                [RawHttp.Ascii($"{valid.Length + 5000:x}\r\n{valid}")])),
            "Content-Length not a number" => (400, false, await RawHttp.SendAsync(server, Head("Content-Length: ten"),
                [RawHttp.Ascii(valid)])),
            "chaos settings too large" => (413, true, await RawHttp.SendAsync(server,
                RawHttp.Head("PUT", server, "/admin/chaos", header, key, $"Content-Length: {big}"), [])),
            _ => throw new ArgumentOutOfRangeException(nameof(framing)),
        };

        var (status, problem, answer) = result;
        output.WriteLine($"{target} {framing}: {answer}");
        Assert.Equal(status, answer.Status);
        Assert.True(!problem || answer.IsProblem, $"not a problem: {answer}");
        Assert.Equal(before, await cluster.SnapshotAsync());
    }

    // One try per request, and an oversized body's Expect: 100-continue waits for the server's answer as long as the
    // request may take: after SocketsHttpHandler's default second the body would go anyway, and the server's 413 and
    // close could then reach the client as a reset.
    private HttpClient FuzzClient(string target)
    {
        var (server, header, key) = Target(target);
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(15) })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(15),
        };
        client.DefaultRequestHeaders.Add(header, key);
        return client;
    }

    // Where a target listens, and the key header and key that get a request past its authentication.
    private (Uri Server, string Header, string Key) Target(string target) => target == "api"
        ? (cluster.App.GetEndpoint("api", "http"), SecurityHeaders.ApiKey, cluster.ApiKey)
        : (cluster.NodeUri(target), SecurityHeaders.ClusterKey, cluster.ClusterKey);

    private static async Task FuzzAsync(string target, HttpClient client, ConcurrentDictionary<string, int> answers)
    {
        await MalformedRequests.Any.SampleAsync(async request =>
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path);
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body);
                if (request.ContentType is not null)
                {
                    message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
                }
            }

            // A body over the limit is refused before it is read, and the connection closed: a client that sends it
            // anyway sees a broken pipe. HTTP's answer is Expect: 100-continue, which gets the 413 before the body goes.
            var oversized = request.Body?.Length > Microsoft.Extensions.Hosting.Extensions.MaxRequestBodySize;
            message.Headers.ExpectContinue = oversized;

            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            answers.AddOrUpdate($"{target} {status}", 1, (_, n) => n + 1);
            Assert.True(!oversized || status == 413, $"{target}: {status} for {request}");
            Assert.True(status is >= 400 and < 500, $"{target}: {status} for {request}");
        }, iter: PerTarget, threads: 4);
    }
}
