namespace ClusterGroups.Client;

/// <summary>How a <see cref="ClusterGroupsClient"/> reaches the Api and how long it waits.</summary>
public sealed class ClusterGroupsClientOptions
{
    /// <summary>The Api's address as Aspire service discovery names it: <c>https+http://api</c>.</summary>
    public const string ServiceDiscoveryAddress = "https+http://api";

    /// <summary>
    /// The Api's address: an absolute URL (<c>http://localhost:5080</c>), or a service-discovery name such as
    /// <see cref="ServiceDiscoveryAddress"/> when the HTTP client resolves it (an Aspire app's service defaults add
    /// service discovery to every client; elsewhere call <c>AddServiceDiscovery()</c> on the builder
    /// <c>AddClusterGroupsClient</c> returns).
    /// </summary>
    public Uri BaseAddress { get; set; } = new(ServiceDiscoveryAddress);

    /// <summary>The caller's key, sent as <c>X-Api-Key</c> on every request; null sends none (an open Api).</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long one call may take, every retry included (30 s). A write's <c>Request-Deadline</c> is its start plus
    /// this (or <see cref="WriteOptions.Timeout"/>, <see cref="WriteOptions.Deadline"/>): the Api starts no operation
    /// after it, so a request held in the network past the caller's patience changes nothing.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one try waits for its answer before the resilience handler tries again (10 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Retries of the resilience handler that <c>AddClusterGroupsClient</c> installs (3; 0 = one try). A write is
    /// retried with the same <c>Idempotency-Key</c> and <c>Request-Deadline</c>, so a copy that reaches the Api after
    /// an earlier one is answered with the first one's operation (once the Api honours keys, issue 26), never run
    /// twice. A client made with <c>new ClusterGroupsClient(httpClient, options)</c> retries only what that
    /// <see cref="HttpClient"/>'s own handlers retry.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First wait between retries (200 ms), doubling with jitter; a <c>Retry-After</c> of the Api wins.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Whether a write answered "pending" (202: a rollback the Api finishes by itself, or an operation still running)
    /// or "in progress" (409: an earlier copy of this write still running) is followed at
    /// <c>GET /v1/operations/{id}</c> until it closes (false: the pending report is returned, and "in progress" is an
    /// <see cref="OperationInProgressException"/>).
    /// </summary>
    public bool FollowPending { get; set; }

    /// <summary>How long following an operation waits for it to close (5 minutes); then the report as it stands.</summary>
    public TimeSpan FollowTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait between two reads of a followed operation (250 ms), doubling up to 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Whether concurrent writes share requests (true): while <see cref="MaxWritesInFlight"/> requests of this client
    /// are in flight, further creates and deletes wait for the next one to return and then go together, up to
    /// <see cref="MaxBatchWrites"/>, in one <c>POST /v1/batch</c>. Nothing waits to fill a batch: a write that finds a
    /// request free goes at once, alone, as without batching, so one caller at a time sees no difference. Each write is
    /// still its own operation, with its own <c>Idempotency-Key</c> and <c>Request-Deadline</c>, and gets the answer
    /// (report or exception) its own request would have got: a batch the Api did not answer whole, and a write answered
    /// with something a retry is for (429, 503 busy, ...), are sent again alone, with the same key.
    /// </summary>
    public bool Batching { get; set; } = true;

    /// <summary>Write requests (single or batch) in flight at once before further writes wait to be batched (8).</summary>
    public int MaxWritesInFlight { get; set; } = 8;

    /// <summary>Writes in one batch at most (64; the Api takes up to its <c>Api:MaxBatchWrites</c>, 256 by default).</summary>
    public int MaxBatchWrites { get; set; } = 64;

    internal void Validate()
    {
        if (!BaseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException($"{nameof(BaseAddress)} must be an absolute URL such as http://localhost:5080 or {ServiceDiscoveryAddress}.");
        }

        if (Timeout <= TimeSpan.Zero || AttemptTimeout <= TimeSpan.Zero || FollowTimeout < TimeSpan.Zero || PollInterval <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("Timeouts and intervals of the ClusterGroups client must be positive.");
        }

        if (MaxWritesInFlight is < 1 or > 1024 || MaxBatchWrites is < 1 or > 10_000)
        {
            throw new ArgumentException($"{nameof(MaxWritesInFlight)} must be 1-1024 and {nameof(MaxBatchWrites)} 1-10000.");
        }

        if (MaxRetries is < 0 or > 20)
        {
            throw new ArgumentException($"{nameof(MaxRetries)} must be 0-20.");
        }
    }
}
