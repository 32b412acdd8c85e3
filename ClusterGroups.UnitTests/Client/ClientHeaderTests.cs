using System.Globalization;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.UnitTests.Cli;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Client;

// What every request carries: the caller's key; on a write, an Idempotency-Key of its own and a Request-Deadline
// derived from the call's timeout (README, "Calling it from .NET": the headers as the client sends them).
public class ClientHeaderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-04T10:15:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_write_carries_a_key_of_its_own_and_every_request_the_callers_key()
    {
        var api = new FakeApi()
            .On(HttpMethod.Post, "/v1/group/", 201, FakeApi.Report("g1", Outcome.Committed))
            .On(HttpMethod.Delete, "/v1/group/", 200, FakeApi.Report("g1", Outcome.Committed, OperationKind.Delete))
            .On(HttpMethod.Get, "/v1/cluster", 200, """{"nodeCount":0,"reachableCount":0,"nodes":[]}""");
        var client = TestClients.Plain(api);

        await client.CreateAsync("g1");
        await client.CreateAsync("g1");
        await client.DeleteAsync("g1");
        await client.GetClusterAsync();

        var keys = api.Received.Take(3).Select(r => r.Request.Header(ApiHeaders.IdempotencyKey)).ToList();
        Assert.All(keys, key => Assert.True(IdempotencyKeys.IsValid(key), key));
        Assert.Equal(3, keys.Distinct().Count());
        Assert.All(api.Received, r => Assert.Equal(TestClients.ApiKey, r.Request.Header(ApiHeaders.ApiKey)));
        var read = api.Received[3].Request;
        Assert.Equal("", read.Header(ApiHeaders.IdempotencyKey));
        Assert.Equal("", read.Header(ApiHeaders.RequestDeadline));
    }

    [Fact]
    public async Task A_key_the_caller_gives_is_sent_as_it_is_and_an_invalid_one_is_refused_before_sending()
    {
        var api = new FakeApi().On(HttpMethod.Post, "/v1/group/", 201, FakeApi.Report("g1", Outcome.Committed));
        var client = TestClients.Plain(api);

        await client.CreateAsync("g1", new WriteOptions { IdempotencyKey = "order-42:create" });
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateAsync("g1", new WriteOptions { IdempotencyKey = "no spaces" }));

        Assert.Equal("order-42:create", Assert.Single(api.Received).Request.Header(ApiHeaders.IdempotencyKey));
    }

    [Theory]
    [InlineData(null, null, "2026-12-04T10:15:30.000Z")]        // the client's Timeout (30 s)
    [InlineData(2.5, null, "2026-12-04T10:15:02.500Z")]         // the call's own timeout
    [InlineData(60.0, "2026-12-04T10:15:01Z", "2026-12-04T10:15:01.000Z")] // an absolute deadline earlier than it
    [InlineData(1.0, "2026-12-04T10:20:00Z", "2026-12-04T10:15:01.000Z")]  // a timeout earlier than the deadline
    public async Task The_deadline_is_the_calls_start_plus_its_timeout_in_rfc3339_utc(double? seconds, string? deadline, string expected)
    {
        var time = new FakeTimeProvider(Now);
        var api = new FakeApi().On(HttpMethod.Delete, "/v1/group/", 200, FakeApi.Report("g1", Outcome.Committed, OperationKind.Delete));
        var client = TestClients.Plain(api, time);

        await client.DeleteAsync("g1", new WriteOptions
        {
            Timeout = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
            Deadline = deadline is null ? null : DateTimeOffset.Parse(deadline, CultureInfo.InvariantCulture),
        });

        Assert.Equal(expected, Assert.Single(api.Received).Request.Header(ApiHeaders.RequestDeadline));
    }

    [Fact]
    public async Task A_deadline_already_past_sends_nothing()
    {
        var api = new FakeApi();
        var client = TestClients.Plain(api, new FakeTimeProvider(Now));

        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateAsync("g1", new WriteOptions { Deadline = Now.AddSeconds(-1) }));

        Assert.Empty(api.Received);
    }
}
