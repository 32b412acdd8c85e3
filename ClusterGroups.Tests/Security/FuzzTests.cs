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

        await FuzzAsync("api", cluster.Api(), answers);
        await FuzzAsync("node1", cluster.Node("node1"), answers);

        Assert.Equal(before, await cluster.SnapshotAsync());
        output.WriteLine($"fuzz: {answers.Values.Sum()} requests; answers: {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}"))}");
        Assert.Equal(2 * PerTarget, answers.Values.Sum());
    }

    private static async Task FuzzAsync(string target, HttpClient client, ConcurrentDictionary<string, int> answers)
    {
        client.Timeout = TimeSpan.FromSeconds(15);
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

            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            answers.AddOrUpdate($"{target} {status}", 1, (_, n) => n + 1);
            Assert.True(status is >= 400 and < 500, $"{target}: {status} for {request}");
        }, iter: PerTarget, threads: 4);
    }
}
