using System.Text;
using System.Text.Json;
using ClusterGroups.Contracts;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Node;

// What a node guarantees across time, against a real node and its store (the Lua scripts of GroupStore): a key's
// outcome is remembered whatever later writes do to the group (and, after its record expired, read from the state its
// write left), a lower fencing token is refused, and an aborted key never applies.
[Collection(ClusterCollection.Name)]
public sealed class NodeFencingTests(ClusterFixture cluster)
{
    private readonly HttpClient _node = cluster.Node("node1");

    private static string NewId() => $"t-{Guid.NewGuid():N}";

    private Task<HttpResponseMessage> WriteAsync(HttpMethod method, string groupId, string? key = null, long? token = null)
    {
        var request = new HttpRequestMessage(method, "/v1/group/")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { groupId }), Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add(NodeHeaders.IdempotencyKey, key);
        }

        if (token is not null)
        {
            request.Headers.Add(NodeHeaders.FencingToken, token.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return _node.SendAsync(request).WaitAsync(Wait.Request);
    }

    private Task<HttpResponseMessage> AbortAsync(string groupId, string key, long? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/group/{groupId}/abort");
        request.Headers.Add(NodeHeaders.IdempotencyKey, key);
        if (token is not null)
        {
            request.Headers.Add(NodeHeaders.FencingToken, token.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return _node.SendAsync(request).WaitAsync(Wait.Request);
    }

    private async Task<(HttpStatusCode Status, TakeOverAnswer? Answer)> TakeOverAsync(string groupId, string key, long token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/group/{groupId}/takeover");
        request.Headers.Add(NodeHeaders.IdempotencyKey, key);
        request.Headers.Add(NodeHeaders.UndoKey, $"{key}:undo");
        request.Headers.Add(NodeHeaders.FencingToken, token.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await _node.SendAsync(request).WaitAsync(Wait.Request);
        return (response.StatusCode, response.IsSuccessStatusCode
            ? await response.Content.ReadFromJsonAsync<TakeOverAnswer>().WaitAsync(Wait.Request)
            : null);
    }

    private async Task<bool> PresentAsync(string groupId) =>
        (await _node.GetAsync($"/v1/group/{groupId}").WaitAsync(Wait.Request)).StatusCode == HttpStatusCode.OK;

    [Fact]
    public async Task A_second_copy_of_a_create_after_a_later_delete_is_answered_as_the_first_and_changes_nothing()
    {
        var id = NewId();
        Assert.Equal(HttpStatusCode.Created, (await WriteAsync(HttpMethod.Post, id, $"{id}-create")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WriteAsync(HttpMethod.Delete, id, $"{id}-delete")).StatusCode);

        var again = await WriteAsync(HttpMethod.Post, id, $"{id}-create");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(again.Headers.Contains(NodeHeaders.IdempotentReplay));
        Assert.False(await PresentAsync(id));
    }

    [Fact]
    public async Task A_second_copy_of_a_delete_after_a_later_create_is_answered_as_the_first_and_changes_nothing()
    {
        var id = NewId();
        await WriteAsync(HttpMethod.Post, id, $"{id}-first");
        Assert.Equal(HttpStatusCode.OK, (await WriteAsync(HttpMethod.Delete, id, $"{id}-delete")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await WriteAsync(HttpMethod.Post, id, $"{id}-again")).StatusCode);

        var again = await WriteAsync(HttpMethod.Delete, id, $"{id}-delete");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(again.Headers.Contains(NodeHeaders.IdempotentReplay));
        Assert.True(await PresentAsync(id));
    }

    [Fact]
    public async Task A_write_with_a_lower_fencing_token_than_the_node_has_seen_is_refused()
    {
        var id = NewId();
        Assert.Equal(HttpStatusCode.Created, (await WriteAsync(HttpMethod.Post, id, $"{id}-new", token: 20)).StatusCode);

        var stale = await WriteAsync(HttpMethod.Delete, id, $"{id}-stale", token: 10);

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("20", Assert.Single(stale.Headers.GetValues(NodeHeaders.Fenced)));
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        Assert.True(await PresentAsync(id));
        // The same token or a later one is accepted.
        Assert.Equal(HttpStatusCode.OK, (await WriteAsync(HttpMethod.Delete, id, $"{id}-later", token: 20)).StatusCode);
    }

    [Fact]
    public async Task An_aborted_key_never_applies_and_the_abort_tells_what_a_key_had_done()
    {
        var id = NewId();
        var aborted = await (await AbortAsync(id, $"{id}-late", token: 5)).JsonAsync();
        Assert.Equal(AbortAnswer.Aborted, aborted["outcome"]!.GetValue<string>());

        var late = await WriteAsync(HttpMethod.Post, id, $"{id}-late", token: 5);

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.True(late.Headers.Contains(NodeHeaders.WriteAborted));
        Assert.False(await PresentAsync(id));

        await WriteAsync(HttpMethod.Post, id, $"{id}-landed", token: 6);
        var known = await (await AbortAsync(id, $"{id}-landed", token: 6)).JsonAsync();
        Assert.Equal(AbortAnswer.Applied, known["outcome"]!.GetValue<string>());
        Assert.Equal("create", known["write"]!.GetValue<string>());
        Assert.True(await PresentAsync(id));
    }

    // A key's record (idem:{key}) lives a day; an operation can stay open longer (a node unreachable for days). The
    // store's state after the record expired is the same as after a DEL of it, which is how these tests get there.
    private async Task ExpireAsync(params string[] keys)
    {
        await using var store = await cluster.ConnectStoreAsync("node1");
        foreach (var key in keys)
        {
            Assert.True(await store.GetDatabase().KeyDeleteAsync($"idem:{key}").WaitAsync(Wait.Request), $"no record of {key}");
        }
    }

    private async Task<(string Write, string Outcome)> AbortOutcomeAsync(string groupId, string key, long token)
    {
        var answer = await AbortAsync(groupId, key, token);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = await answer.JsonAsync();
        return (body["write"]!.GetValue<string>(), body["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_create_whose_record_expired_is_still_known_by_its_abort_and_a_late_copy_changes_nothing()
    {
        var id = NewId();
        Assert.Equal(HttpStatusCode.Created, (await WriteAsync(HttpMethod.Post, id, $"{id}-op", token: 3)).StatusCode);
        await ExpireAsync($"{id}-op");

        Assert.Equal(("create", AbortAnswer.Applied), await AbortOutcomeAsync(id, $"{id}-op", 3));
        Assert.True(await PresentAsync(id));

        // Recorded again by the abort: a late copy is a replay, not "exists" and not a second create.
        var late = await WriteAsync(HttpMethod.Post, id, $"{id}-op", token: 3);
        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        Assert.True(late.Headers.Contains(NodeHeaders.IdempotentReplay));
    }

    [Theory]
    [InlineData("create")]
    [InlineData("delete")]
    public async Task After_a_write_and_its_undo_lost_their_records_an_abort_of_either_answers_what_it_did(string kind)
    {
        var id = NewId();
        var (apply, undo) = kind == "create" ? (HttpMethod.Post, HttpMethod.Delete) : (HttpMethod.Delete, HttpMethod.Post);
        if (kind == "delete")
        {
            await WriteAsync(HttpMethod.Post, id, $"{id}-before", token: 1);
        }

        Assert.True((await WriteAsync(apply, id, $"{id}-op", token: 2)).IsSuccessStatusCode);
        Assert.True((await WriteAsync(undo, id, $"{id}-op:undo", token: 2)).IsSuccessStatusCode);
        await ExpireAsync($"{id}-op", $"{id}-op:undo");

        var inverse = kind == "create" ? "delete" : "create";
        Assert.Equal((kind, AbortAnswer.Applied), await AbortOutcomeAsync(id, $"{id}-op", 2));
        Assert.Equal((inverse, AbortAnswer.Applied), await AbortOutcomeAsync(id, $"{id}-op:undo", 2));
        Assert.Equal(kind == "delete", await PresentAsync(id));
        // A key that never reached the node is still aborted, and never applies afterwards.
        Assert.Equal(("abort", AbortAnswer.Aborted), await AbortOutcomeAsync(id, $"{id}-never", 2));
        Assert.Equal(HttpStatusCode.Conflict, (await WriteAsync(apply, id, $"{id}-never", token: 2)).StatusCode);
    }

    [Fact]
    public async Task A_delete_whose_group_was_created_again_since_is_still_known_by_its_abort()
    {
        var id = NewId();
        await WriteAsync(HttpMethod.Post, id, $"{id}-first", token: 1);
        Assert.Equal(HttpStatusCode.OK, (await WriteAsync(HttpMethod.Delete, id, $"{id}-delete", token: 2)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await WriteAsync(HttpMethod.Post, id, $"{id}-again", token: 3)).StatusCode);
        await ExpireAsync($"{id}-delete");

        Assert.Equal(("delete", AbortAnswer.Applied), await AbortOutcomeAsync(id, $"{id}-delete", 3));
        Assert.True(await PresentAsync(id));
    }

    [Fact]
    public async Task A_tombstone_written_by_an_older_node_is_still_read()
    {
        var id = NewId();
        await using (var store = await cluster.ConnectStoreAsync("node1"))
        {
            // Older nodes wrote the deleting key alone, with the record's day of life.
            await store.GetDatabase().StringSetAsync($"deleted-by:{id}", $"{id}-old", TimeSpan.FromDays(1)).WaitAsync(Wait.Request);
        }

        var read = await _node.GetAsync($"/v1/group/{id}").WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal($"{id}-old", Assert.Single(read.Headers.GetValues(NodeHeaders.DeletedBy)));
        Assert.Equal(("delete", AbortAnswer.Applied), await AbortOutcomeAsync(id, $"{id}-old", 1));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("x")]
    public async Task A_bad_fencing_token_is_a_400_and_nothing_is_written(string token)
    {
        var id = NewId();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/group/")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { groupId = id }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(NodeHeaders.FencingToken, token);

        var answer = await _node.SendAsync(request).WaitAsync(Wait.Request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.False(await PresentAsync(id));
    }

    // The trap of issue 23 case 1: after an earlier owner applied a create and then undid it, an abort of the apply key
    // alone still answers "applied". The takeover call answers both keys and what the node holds, under the new token,
    // and from then on the earlier owner's writes (its token is lower) are refused.
    [Fact]
    public async Task A_takeover_tells_both_keys_and_fences_the_earlier_owner()
    {
        var id = NewId();
        var key = $"op-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await WriteAsync(HttpMethod.Post, id, key, token: 10)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WriteAsync(HttpMethod.Delete, id, $"{key}:undo", token: 10)).StatusCode);

        var (status, answer) = await TakeOverAsync(id, key, token: 20);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(answer!.Present);
        Assert.StartsWith("create:", answer.Apply, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(answer.Undo));
        Assert.Equal(HttpStatusCode.Conflict, (await WriteAsync(HttpMethod.Post, id, $"{key}:late", token: 10)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await TakeOverAsync(id, key, token: 15)).Status);
        Assert.False(await PresentAsync(id));
    }

    // A takeover of a key the node never saw closes the door on it: a late copy of that write is refused.
    [Fact]
    public async Task A_takeover_of_a_key_never_seen_aborts_it()
    {
        var id = NewId();
        var key = $"op-{Guid.NewGuid():N}";

        var (status, answer) = await TakeOverAsync(id, key, token: 30);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(answer!.Present);
        Assert.Contains("abort", answer.Apply, StringComparison.Ordinal);
        var late = await WriteAsync(HttpMethod.Post, id, key, token: 30);
        Assert.False(late.IsSuccessStatusCode);
        Assert.False(await PresentAsync(id));
    }
}
