using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace ClusterGroups.Client;

/// <summary>
/// The ClusterGroups Api as typed calls. A create or delete answers with the operation's report (its
/// <see cref="Outcome"/> and, per node, what was done); a refusal is a typed <see cref="ClusterGroupsException"/>.
/// Every write carries an <c>Idempotency-Key</c> (one per logical call, kept across retries) and a
/// <c>Request-Deadline</c> (the call's start plus its timeout). Thread-safe; register it with
/// <c>services.AddClusterGroupsClient(...)</c>, or make one over an <see cref="HttpClient"/> of your own.
/// </summary>
public sealed partial class ClusterGroupsClient
{
    private const string GroupPath = "v1/group/";
    private const string BatchPath = "v1/batch";
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;
    private readonly ClusterGroupsClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ClientWrites _writes;

    /// <summary>
    /// A client over an <see cref="HttpClient"/> a container gives, batching the calls made through this instance
    /// (<c>AddClusterGroupsClient</c> makes its clients otherwise: all of them share one group commit).
    /// </summary>
    [ActivatorUtilitiesConstructor]
    public ClusterGroupsClient(HttpClient http, IOptions<ClusterGroupsClientOptions> options, TimeProvider time)
        : this(http, options.Value, time)
    {
    }

    /// <summary>A client over an <see cref="HttpClient"/> of your own: it retries only what that client's handlers retry.</summary>
    public ClusterGroupsClient(HttpClient http, ClusterGroupsClientOptions options, TimeProvider? time = null)
        : this(http, options, time, null)
    {
    }

    // AddClusterGroupsClient's: every instance it makes shares one group commit (ClientWrites).
    internal ClusterGroupsClient(HttpClient http, ClusterGroupsClientOptions options, TimeProvider? time, ClientWrites? shared)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = http;
        _options = options;
        _time = time ?? TimeProvider.System;
        // Paths are joined relative to the address, so an Api behind a path prefix (http://host/clustergroups/) works.
        var address = options.BaseAddress.AbsoluteUri;
        BaseAddress = address.EndsWith('/') ? options.BaseAddress : new Uri(address + "/");
        _writes = shared ?? new ClientWrites(options);
    }

    /// <summary>The Api's address, ending with <c>/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>
    /// Creates the group on every node, or on none (<c>POST /v1/group/</c>). Returns the operation's report:
    /// <see cref="Outcome.Committed"/>, <see cref="Outcome.AlreadySo"/> (it existed everywhere; nothing changed),
    /// <see cref="Outcome.RolledBack"/> (failed; nothing changed; safe to send again with a new key) or
    /// <see cref="Outcome.PendingRepair"/> (failed; the Api finishes the rollback by itself; followed to its end when
    /// <see cref="ClusterGroupsClientOptions.FollowPending"/>), or <see cref="Outcome.Abandoned"/> (failed, and an
    /// operator gave up its repair: the nodes may differ; nobody finishes it).
    /// </summary>
    /// <exception cref="InvalidRequestException">400: the groupId is invalid.</exception>
    /// <exception cref="ApiKeyRefusedException">401.</exception>
    /// <exception cref="RoleRequiredException">403: a key without the write role.</exception>
    /// <exception cref="RateLimitedException">429, after the retries.</exception>
    /// <exception cref="GroupBusyException">503 group busy, after the retries.</exception>
    /// <exception cref="OperationInProgressException">409: an earlier copy of this write is still running (not following).</exception>
    /// <exception cref="IdempotencyKeyReusedException">422: the key was used for another request.</exception>
    /// <exception cref="DeadlineExceededException">504: the deadline passed before the operation could start.</exception>
    /// <exception cref="ApiTimeoutException">No answer within the call's timeout.</exception>
    /// <exception cref="ApiUnreachableException">No connection to the Api.</exception>
    public Task<OperationReport> CreateAsync(string groupId, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync(OperationKind.Create, groupId, options, cancellationToken);

    /// <summary>
    /// Deletes the group from every node, or from none (<c>DELETE /v1/group/</c> with the body <c>{"groupId"}</c>).
    /// The answers and exceptions are those of <see cref="CreateAsync"/>; <see cref="Outcome.AlreadySo"/> means it was
    /// on no node.
    /// </summary>
    public Task<OperationReport> DeleteAsync(string groupId, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync(OperationKind.Delete, groupId, options, cancellationToken);

    /// <summary>The group and, per node, whether it is there (<c>GET /v1/group/{groupId}</c>); null when it is on no reachable node.</summary>
    public async Task<GroupView?> GetAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        var answer = await SendAsync(HttpMethod.Get, $"{GroupPath}{Uri.EscapeDataString(groupId)}/", cancellationToken);
        return answer.IsSuccess ? answer.Read(ClientJson.Default.GroupView) : NullIfNotFound<GroupView>(answer);
    }

    /// <summary>One page of the cluster's groups (<c>GET /v1/groups</c>): pass the previous page's <see cref="GroupListView.Next"/> as <paramref name="cursor"/>.</summary>
    public async Task<GroupListView> ListAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Get, "v1/groups" + Query(("cursor", cursor), ("limit", Number(limit))), cancellationToken))
            .Read(ClientJson.Default.GroupListView);

    /// <summary>Every page of the cluster's groups, one request per page, as it is enumerated.</summary>
    public async IAsyncEnumerable<GroupListView> ListPagesAsync(int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(cursor, pageSize, cancellationToken);
            yield return page;
            // A cursor that does not move on would loop for ever: the Api's listing is then broken, not endless.
            cursor = page.Next is { } next && next != cursor ? next : null;
        }
        while (cursor is not null);
    }

    /// <summary>Every group the cluster knows, page after page (never all in memory at once).</summary>
    public async IAsyncEnumerable<GroupEntry> ListAllAsync(int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in ListPagesAsync(pageSize, cancellationToken))
        {
            foreach (var group in page.Groups)
            {
                yield return group;
            }
        }
    }

    /// <summary>One operation's report (<c>GET /v1/operations/{id}</c>); null when the Api knows no such operation.</summary>
    public async Task<OperationReport?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Get, OperationPath(operationId), cancellationToken);
        return answer.IsSuccess ? ReadReport(answer) : NullIfNotFound<OperationReport>(answer);
    }

    /// <summary>
    /// Reads the operation until it is closed (not running, not pending repair), waiting
    /// <see cref="ClusterGroupsClientOptions.PollInterval"/> doubling up to 5 s between reads, for at most
    /// <paramref name="timeout"/> (default <see cref="ClusterGroupsClientOptions.FollowTimeout"/>). Returns the closed
    /// report, or the report as it stands when the time is up (then <see cref="OperationReport.IsOpen"/>).
    /// </summary>
    public async Task<OperationReport> WaitForOperationAsync(string operationId, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var until = _time.GetUtcNow() + (timeout ?? _options.FollowTimeout);
        var interval = _options.PollInterval;
        while (true)
        {
            var answer = await SendAsync(HttpMethod.Get, OperationPath(operationId), cancellationToken);
            var report = ReadReport(Success(answer));
            var left = until - _time.GetUtcNow();
            if (!report.IsOpen || left <= TimeSpan.Zero)
            {
                return report;
            }

            await Task.Delay(interval < left ? interval : left, _time, cancellationToken);
            interval = interval * 2 < MaxPollInterval ? interval * 2 : MaxPollInterval;
        }
    }

    /// <summary>Operations, newest first (<c>GET /v1/operations</c>); <see cref="OperationList.Next"/> is the next page's cursor.</summary>
    public async Task<OperationList> ListOperationsAsync(OperationQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new OperationQuery();
        var path = "v1/operations" + Query(("limit", Number(query.Limit)), ("state", query.OpenOnly ? "open" : null),
            ("groupId", query.GroupId), ("outcome", query.Outcome?.ToString()), ("since", query.Since), ("caller", query.Caller), ("cursor", query.Cursor));
        return Success(await SendAsync(HttpMethod.Get, path, cancellationToken)).Read(ClientJson.Default.OperationList);
    }

    /// <summary>
    /// Drives an open operation now, whatever its backoff (<c>POST /v1/operations/{id}/retry</c>, admin role); null
    /// when the Api knows no such operation. A closed one, or one being driven right now, is a 409 <see cref="ApiRefusedException"/>.
    /// </summary>
    public async Task<OperationReport?> RetryOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Post, $"{OperationPath(operationId)}/retry", cancellationToken);
        return answer.IsSuccess ? ReadReport(answer) : NullIfNotFound<OperationReport>(answer);
    }

    /// <summary>
    /// Gives a pending repair up on purpose (<c>POST /v1/operations/{id}/abandon</c>, admin role): no longer retried;
    /// the group stays divergent until reconciled. Null when the Api knows no such operation.
    /// </summary>
    public async Task<OperationReport?> AbandonOperationAsync(string operationId, string reason, CancellationToken cancellationToken = default)
    {
        var body = Json(new AbandonRequest(reason), ClientJson.Default.AbandonRequest);
        var answer = await SendAsync(HttpMethod.Post, $"{OperationPath(operationId)}/abandon", body, null, null, _options.Timeout, cancellationToken);
        return answer.IsSuccess ? ReadReport(answer) : NullIfNotFound<OperationReport>(answer);
    }

    /// <summary>The nodes: reachable, latency, group count (<c>GET /v1/cluster</c>).</summary>
    public async Task<ClusterView> GetClusterAsync(CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Get, "v1/cluster", cancellationToken)).Read(ClientJson.Default.ClusterView);

    /// <summary>Every group that is not on all nodes, with its last operation (<c>GET /v1/cluster/consistency</c>).</summary>
    public Task<ConsistencyReport> GetConsistencyAsync(CancellationToken cancellationToken = default) =>
        GetConsistencyAsync(againstJournal: false, cancellationToken);

    /// <summary>
    /// As <see cref="GetConsistencyAsync(CancellationToken)"/>; with <paramref name="againstJournal"/> also every group on
    /// which all nodes differ from the journal's desired state (<c>journal=true</c>, the audit).
    /// </summary>
    public async Task<ConsistencyReport> GetConsistencyAsync(bool againstJournal, CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Get, "v1/cluster/consistency" + Query(("journal", againstJournal ? "true" : null)), cancellationToken))
            .Read(ClientJson.Default.ConsistencyReport);

    /// <summary>
    /// Repairs divergent groups (<c>POST /v1/cluster/reconcile</c>): those the journal explains always; the others only
    /// by <paramref name="policy"/> (<c>report</c>, the default, only lists them; <c>presence-wins</c>,
    /// <c>absence-wins</c>, <c>majority</c> need the admin role).
    /// </summary>
    public Task<ReconcileReport> ReconcileAsync(string? policy = null, CancellationToken cancellationToken = default) =>
        ReconcileAsync(policy, againstJournal: false, cancellationToken);

    /// <summary>
    /// As <see cref="ReconcileAsync(string?, CancellationToken)"/>; with <paramref name="againstJournal"/> the nodes are
    /// also compared with the journal's desired state (<c>journal=true</c>, the audit): a group every node lost after
    /// it was created, or every node holds after it was deleted, is repaired too. It reads every recorded desired state.
    /// </summary>
    public async Task<ReconcileReport> ReconcileAsync(string? policy, bool againstJournal, CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Post, "v1/cluster/reconcile" + Query(("policy", policy), ("journal", againstJournal ? "true" : null)),
            cancellationToken)).Read(ClientJson.Default.ReconcileReport);

    /// <summary>The membership: each node's role and the epoch (<c>GET /v1/cluster/membership</c>).</summary>
    public async Task<MembershipView> GetMembershipAsync(CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Get, "v1/cluster/membership", cancellationToken)).Read(ClientJson.Default.MembershipView);

    /// <summary>
    /// Takes a node out for maintenance (<c>POST /v1/cluster/nodes/{name}/drain</c>, operator role): new operations
    /// leave it out and nothing reads it. Returns once the operations begun before that write it have closed (or names
    /// those still open after the Api's wait).
    /// </summary>
    public async Task<DrainView> DrainNodeAsync(string name, CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Post, $"v1/cluster/nodes/{Uri.EscapeDataString(name)}/drain", cancellationToken))
            .Read(ClientJson.Default.DrainView);

    /// <summary>
    /// Brings a drained node back (<c>POST /v1/cluster/nodes/{name}/rejoin</c>): written at once, backfilled, active
    /// once equal to the others (follow <see cref="GetMembershipAsync"/>).
    /// </summary>
    public async Task<MembershipView> RejoinNodeAsync(string name, CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Post, $"v1/cluster/nodes/{Uri.EscapeDataString(name)}/rejoin", cancellationToken))
            .Read(ClientJson.Default.MembershipView);

    /// <summary>Adds a node reached at <paramref name="address"/> (<c>POST /v1/cluster/nodes</c>); it joins like a rejoining node.</summary>
    public async Task<MembershipView> AddNodeAsync(string? name, string address, CancellationToken cancellationToken = default)
    {
        var body = Json(new NodeToAdd(name, address), ClientJson.Default.NodeToAdd);
        return Success(await SendAsync(HttpMethod.Post, "v1/cluster/nodes", body, null, null, _options.Timeout, cancellationToken))
            .Read(ClientJson.Default.MembershipView);
    }

    /// <summary>Removes a drained node from the membership (<c>DELETE /v1/cluster/nodes/{name}</c>).</summary>
    public async Task<MembershipView> RemoveNodeAsync(string name, CancellationToken cancellationToken = default) =>
        Success(await SendAsync(HttpMethod.Delete, $"v1/cluster/nodes/{Uri.EscapeDataString(name)}", cancellationToken))
            .Read(ClientJson.Default.MembershipView);

    private async Task<OperationReport> WriteAsync(OperationKind kind, string groupId, WriteOptions? call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        var key = call?.IdempotencyKey ?? NewKey();
        if (!IdempotencyKeys.IsValid(key))
        {
            throw new ArgumentException($"An Idempotency-Key is {IdempotencyKeys.Rule}.", nameof(call));
        }

        // One deadline for the whole logical call: every retry carries the same Request-Deadline.
        var now = _time.GetUtcNow();
        var timeout = call?.Timeout ?? _options.Timeout;
        if (call?.Deadline is { } deadline && deadline - now < timeout)
        {
            timeout = deadline - now;
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The call's deadline has already passed.", nameof(call));
        }

        var write = new PendingWrite(this, kind, groupId, key, now + timeout, ct);
        var answer = _writes is { Batcher: { } batcher, BatchesRefused: false } ? await batcher.SendAsync(write) : await SendOneAsync(write);
        var follow = call?.FollowPending ?? _options.FollowPending;
        var report = answer.TryReadReport();
        switch ((int)answer.Status)
        {
            case >= 200 and < 300 when report is not null:
            // The outcomes that are answers, not refusals: already so (create 409, delete 404), rolled back (503),
            // abandoned (502: an operator gave up its repair; the nodes may differ).
            case 409 or 404 or 503 when report is { Outcome: Outcome.AlreadySo or Outcome.RolledBack }:
            case 502 when report is { Outcome: Outcome.Abandoned }:
                break;
            case 409 when (report?.OperationId ?? answer.Problem?.OperationId) is { } running:
                if (!follow)
                {
                    throw new OperationInProgressException(answer, running);
                }

                return await WaitForOperationAsync(running, cancellationToken: ct);
            default:
                throw Refusals.For(answer);
        }

        return report.IsOpen && follow ? await WaitForOperationAsync(report.OperationId, cancellationToken: ct) : report;
    }

    // A write as its own request: POST or DELETE /v1/group/ with its key and deadline, retried by the resilience handler.
    internal Task<ApiAnswer> SendOneAsync(PendingWrite write)
    {
        var body = Json(new GroupRequest(write.GroupId), ClientJson.Default.GroupRequest);
        return SendAsync(write.Method, GroupPath, body, write.Key, write.Deadline, write.Deadline - _time.GetUtcNow(), write.Cancellation);
    }

    private Task<ApiAnswer> SendAsync(HttpMethod method, string path, CancellationToken ct) =>
        SendAsync(method, path, null, null, null, _options.Timeout, ct);

    private async Task<ApiAnswer> SendAsync(
        HttpMethod method, string path, HttpContent? content, string? key, DateTimeOffset? deadline, TimeSpan timeout, CancellationToken ct)
    {
        var what = $"{method} /{path}";
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        using var request = NewRequest(method, path, content, key, deadline);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            return new ApiAnswer(what, response.StatusCode, body, response.Content.Headers.ContentType?.MediaType,
                RetryAfterOf(response.Headers.RetryAfter), key);
        }
        catch (HttpRequestException e)
        {
            throw new ApiUnreachableException($"Cannot reach the Api at {BaseAddress}: {Describe(e)}.", what, key, e);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            if (deadline is { } until)
            {
                await PastAsync(until, ct);
            }

            throw new ApiTimeoutException($"The Api at {BaseAddress} did not answer {what} within {Seconds(timeout)} s.", what, key, timeout, e);
        }
        catch (Polly.ExecutionRejectedException e)
        {
            // The resilience handler's breaker or rate limiter refused to send.
            throw new ApiUnreachableException($"Cannot reach the Api at {BaseAddress}: {e.Message.TrimEnd('.')}.", what, key, e);
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path, HttpContent? content, string? key, DateTimeOffset? deadline)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        if (_options.ApiKey is { Length: > 0 } apiKey)
        {
            request.Headers.TryAddWithoutValidation(ApiHeaders.ApiKey, apiKey);
        }

        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiHeaders.IdempotencyKey, key);
        }

        if (deadline is { } at)
        {
            request.Headers.TryAddWithoutValidation(ApiHeaders.RequestDeadline, Rfc3339(at));
        }

        return request;
    }

    // A write's timeout is thrown only once its deadline has passed on this clock (now >= deadline, as the Api reads
    // it), as ApiTimeoutException promises: a copy still in the network then starts nothing. The tries can end before
    // it: every try's own timeout spent, or a timer firing a few milliseconds early against the wall clock (timers run
    // on a coarse monotonic clock).
    private async Task PastAsync(DateTimeOffset deadline, CancellationToken ct)
    {
        for (var left = deadline - _time.GetUtcNow(); left > TimeSpan.Zero; left = deadline - _time.GetUtcNow())
        {
            await Task.Delay(left, _time, ct);
        }
    }

    /// <summary>The write's deadline as the header carries it: RFC 3339, UTC, milliseconds.</summary>
    public static string Rfc3339(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // 32 hex digits of a version 7 Guid: unique, and ordered by time in the Api's records.
    private static string NewKey() => Guid.CreateVersion7().ToString("N");

    private static string OperationPath(string operationId)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        return $"v1/operations/{Uri.EscapeDataString(operationId)}";
    }

    private static ApiAnswer Success(ApiAnswer answer) => answer.IsSuccess ? answer : throw Refusals.For(answer);

    private static OperationReport ReadReport(ApiAnswer answer) => answer.TryReadReport() ?? throw new UnexpectedAnswerException(answer);

    // A 404 the Api wrote (problem+json: no such group on a reachable node, no such operation) is "none"; a 404 without
    // one is a route this Api does not have.
    private static T? NullIfNotFound<T>(ApiAnswer answer) where T : class =>
        answer.Status == HttpStatusCode.NotFound && answer.Problem is not null ? null : throw Refusals.For(answer);

    // A body with a Content-Length: some servers in front of real nodes refuse a chunked one (411).
    private static ByteArrayContent Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > _time.GetUtcNow() ? date - _time.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    private static string Seconds(TimeSpan timeout) => timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Describe(HttpRequestException e) => e switch
    {
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection refused",
        { HttpRequestError: HttpRequestError.NameResolutionError } => "the host name does not resolve",
        { HttpRequestError: HttpRequestError.ConnectionError } => "the connection failed",
        { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS handshake failed",
        _ => e.Message.TrimEnd('.'),
    };
}
