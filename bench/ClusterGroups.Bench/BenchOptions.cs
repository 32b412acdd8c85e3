using System.Globalization;
using System.Security.Cryptography;

namespace ClusterGroups.Bench;

// The command line. Started mode (default): the bench starts the app once per node count. External mode
// (--api URL --nodes URL,...): it measures a running cluster as it is.
public sealed record BenchOptions
{
    public const string Usage = """
        ClusterGroups.Bench — fan-out cost, throughput, scaling with N and cost under faults.

          dotnet run -c Release --project bench/ClusterGroups.Bench -- [options]

          --quick                 short phases and N = 1, 3 (the whole run under 2 minutes); a smoke run, not figures
          --sizes 1,3,9           node counts to start, one app start each (started mode; --quick: 1,3)
          --store garnet          store of the nodes and of the coordinator (the AppHost's Cluster:Store): garnet
                                  (embedded) | redis-server (a redis-server binary on PATH, run by the AppHost as
                                  an executable: no Docker) | redis (containers: needs Docker)
          --coordinator garnet    the Api's coordinator (journal, leases) in every started app: garnet (the coordinator
                                  store of --store's kind, the AppHost's default) | postgres (a local PostgreSQL run from
                                  its binaries, the AppHost's Cluster:Coordinator=postgres: apt-get install postgresql)
          --coordinators [garnet,postgres]
                                  the coordinator comparison only: N=3, one app start per name in the order given (repeat
                                  names to alternate: garnet,postgres,garnet,postgres), Api create/delete at c=1, 16, 64;
                                  p50, p99 and throughput side by side (results in bench/results/coordinators)
          --no-durable-acks       stores acknowledge before the write is durable (the AppHost's Cluster:DurableAcks=false,
                                  the arguments before acknowledgements were durable): the A/B of what durability costs
          --fault-size 3          the node count whose run also measures faults (0 = none)
          --api URL --nodes URL,URL,...
                                  measure a running cluster instead of starting one (loopback only)
          --api-key K --cluster-key K
                                  keys to send (started mode generates both and passes them to the AppHost)
          --api-env NAME=VALUE    extra environment for the api resource (started mode; for A/B profiling)
          --env NAME=VALUE        extra environment for every service: api, nodes, stores (started mode)
          --node-env NAME=VALUE   extra environment for the nodes only; --store-env for the stores only (the
                                  nodes' and the coordinator's; started mode; for A/B runs of runtime settings);
                                  --coordinator-env for the coordinator's store alone
          --latency-seconds S     how long the Api's c=1 phase runs (default 15; quick 2): a longer one gives the
                                  tail breakdown enough operations (the slowest 1 %)
          --throughput-seconds S  how long each Api phase at c>1 and each direct phase runs (default 10 and 6; quick
                                  1.5 and 1): longer phases for A/B runs of capacity
          --settle-seconds S      how long to wait at most for the started app to come to rest (default 60; quick 8)
          --no-journal-run        leave out the second start with the in-memory journal (for A/B runs)
          --no-batching-run       leave out the start of N=3 with batching off (the Api's, Cluster:Batching:Enabled=false,
                                  and the client's), the batching A/B
          --no-single-call-run    leave out the start of N=3 whose client sends every write alone (the Api batching as in
                                  the main starts; the client's group commit toward the Api off)
          --client-in-flight 8    how many requests the bench's client keeps in flight toward the Api before its writes
                                  queue for the next batch (ClusterGroupsClientOptions.MaxWritesInFlight; for A/B runs)
          --rtt-ms 1              the start of N=3 with this round trip added to every request to a node (Node:NetworkDelay
                                  on every node: loopback has none, a network has), Api and direct alike; 0 leaves it out
          --seed-repo PATH|URL    a checkout (or a git URL, cloned) of the seed, danielmursa/coding-challenge: its three
                                  Flask nodes and its own client are measured first in the run (c=1 and c=16), and issue
                                  27's targets compare the Api with them; without it they use the issue's 52.6 ops/s.
                                  Default: $CLUSTERGROUPS_SEED_REPO. Needs Python 3 with flask, flask_sqlalchemy and
                                  requests (Debian: apt-get install python3-flask-sqlalchemy python3-requests)
          --seed-python PATH      the Python to run the seed with (default: the first of python3, /usr/bin/python3 that
                                  has its modules)
          --seed-only             the seed's client only (needs --seed-repo); starts no app of ours
          --otlp                  keep the services' OTLP exporter pointed at the (absent) dashboard, as the testing
                                  builder leaves it; by default the bench clears OTEL_EXPORTER_OTLP_ENDPOINT
          --development           run the services in the Development environment, as the AppHost runs them locally
                                  (developer exception page, DI scope checks); by default they run as Production,
                                  the environment they are deployed in (deploy/: no ASPNETCORE_ENVIRONMENT)
          --state [1000,1000000]  the state-size phase only: 3 nodes bulk-loaded with each size, 10 divergent;
                                  consistency and /health time, Api peak memory (results in bench/results/state)
          --backfill [10000,100000]
                                  the backfill phase only: 3 nodes bulk-loaded with each size (and each group recorded
                                  as desired present in the coordinator), node3 drained, wiped and rejoined; the time
                                  until it is Active again, groups/s, then one consistency report and one audit
                                  against the journal (?journal=true) timed (results in bench/results/backfill)
          --backfill-minutes M    with --backfill: give up on a size after M minutes (default 30)
          --cold-start [5]        the cold-start phase only: 3 nodes; each round crashes (kill -9) node1, the Api,
                                  store1 and the coordinator in turn, starts each again and sends it 32 creates at
                                  once the moment it is up; time to the first and last answer, 5xx (results in
                                  bench/results/cold-start/<store>.md; --store picks the store kind)
          --cold-start-only api   with --cold-start: crash only these (node, api, store, coordinator; comma-separated)
          --scripts [5]           the in-process store only (ClusterGroups.Simulation): the node's real scripts per
                                  second through GroupStore, one thread, each phase S seconds; starts no app
          --charts DIR            draw the charts of a saved run again from its DIR/bench.json (after a change to them)
          --out DIR               where results go (default bench/results/<full|quick|external|state|backfill|cold-start|coordinators>)
        """;

    public bool Quick { get; init; }
    public IReadOnlyList<int> Sizes { get; init; } = [1, 3, 9];
    public string Store { get; init; } = "garnet";
    public string Coordinator { get; init; } = Target.JournalSwitch.Garnet;
    public IReadOnlyList<string>? CompareCoordinators { get; init; }
    public bool DurableAcks { get; init; } = true;
    public int FaultSize { get; init; } = 3;
    public Uri? ApiUrl { get; init; }
    public IReadOnlyList<Uri> NodeUrls { get; init; } = [];
    public string ApiKey { get; init; } = NewKey();
    public string ClusterKey { get; init; } = NewKey();
    public IReadOnlyDictionary<string, string> ApiEnvironment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> StoreEnvironment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> CoordinatorEnvironment { get; init; } = new Dictionary<string, string>();
    public string? OutputDirectory { get; init; }
    public bool KeepOtlpExport { get; init; }
    public bool Development { get; init; }
    public bool State { get; init; }
    public IReadOnlyList<long>? StateSizes { get; init; }
    public bool Backfill { get; init; }
    public IReadOnlyList<long>? BackfillSizes { get; init; }
    public TimeSpan? BackfillLimit { get; init; }
    public bool ColdStart { get; init; }
    public int ColdStartRounds { get; init; } = Scenarios.ColdStartRun.DefaultRounds;
    public IReadOnlyList<string>? ColdStartTargets { get; init; }
    public TimeSpan? ScriptPhase { get; init; }
    public string? SeedRepository { get; init; } = Environment.GetEnvironmentVariable("CLUSTERGROUPS_SEED_REPO") is { Length: > 0 } repo ? repo : null;
    public string? SeedPython { get; init; }
    public bool SeedOnly { get; init; }
    public string? ChartsFrom { get; init; }

    public bool External => ApiUrl is not null;
    public string Mode => External ? "external" : Quick ? "quick" : "full";
    public TimeSpan? LatencyPhase { get; init; }
    public TimeSpan? SettleLimit { get; init; }
    public TimeSpan? ThroughputPhase { get; init; }
    public bool SkipJournalRun { get; init; }
    public bool SkipBatchingRun { get; init; }
    public bool SkipSingleCallClientRun { get; init; }

    // The client's MaxWritesInFlight (null: the client's default).
    public int? ClientWritesInFlight { get; init; }

    // The round trip a node adds to every request in the "round trip to the nodes" start (none: no such start).
    public TimeSpan NodeRoundTrip { get; init; } = TimeSpan.FromMilliseconds(1);

    public BenchProfile Profile
    {
        get
        {
            var profile = Quick ? BenchProfile.QuickRun : BenchProfile.FullRun;
            return profile with
            {
                ApiLatency = LatencyPhase ?? profile.ApiLatency,
                Settle = SettleLimit ?? profile.Settle,
                ApiThroughput = ThroughputPhase ?? profile.ApiThroughput,
                Direct = ThroughputPhase ?? profile.Direct,
            };
        }
    }

    public static BenchOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        var sizesGiven = false;
        var env = new Dictionary<string, string>();
        var serviceEnv = new Dictionary<string, string>();
        var nodeEnv = new Dictionary<string, string>();
        var storeEnv = new Dictionary<string, string>();
        var coordinatorEnv = new Dictionary<string, string>();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            sizesGiven |= args[i] == "--sizes";
            options = args[i] switch
            {
                "--quick" => options with { Quick = true },
                "--sizes" => options with { Sizes = [.. Next().Split(',').Select(ParseCount)] },
                "--store" => options with { Store = ParseStore(Next()) },
                "--coordinator" => options with { Coordinator = ParseCoordinator(Next()) },
                "--coordinators" => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? options with { CompareCoordinators = [.. Next().Split(',').Select(ParseCoordinator)] }
                    : options with { CompareCoordinators = Target.JournalSwitch.Coordinators },
                "--no-durable-acks" => options with { DurableAcks = false },
                "--fault-size" => options with { FaultSize = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--api" => options with { ApiUrl = Loopback.Require(Next()) },
                "--nodes" => options with { NodeUrls = [.. Next().Split(',').Select(Loopback.Require)] },
                "--api-key" => options with { ApiKey = Next() },
                "--cluster-key" => options with { ClusterKey = Next() },
                "--api-env" => options with { ApiEnvironment = AddPair(env, Next()) },
                "--env" => options with { ServiceEnvironment = AddPair(serviceEnv, Next()) },
                "--node-env" => options with { NodeEnvironment = AddPair(nodeEnv, Next()) },
                "--store-env" => options with { StoreEnvironment = AddPair(storeEnv, Next()) },
                "--coordinator-env" => options with { CoordinatorEnvironment = AddPair(coordinatorEnv, Next()) },
                "--out" => options with { OutputDirectory = Next() },
                "--otlp" => options with { KeepOtlpExport = true },
                "--development" => options with { Development = true },
                "--seed-repo" => options with { SeedRepository = Next() },
                "--seed-python" => options with { SeedPython = Next() },
                "--seed-only" => options with { SeedOnly = true },
                "--charts" => options with { ChartsFrom = Next() },
                "--latency-seconds" => options with { LatencyPhase = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--throughput-seconds" => options with { ThroughputPhase = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--settle-seconds" => options with { SettleLimit = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--no-journal-run" => options with { SkipJournalRun = true },
                "--no-batching-run" => options with { SkipBatchingRun = true },
                "--no-single-call-run" => options with { SkipSingleCallClientRun = true },
                "--client-in-flight" => options with { ClientWritesInFlight = ParseInFlight(Next()) },
                "--rtt-ms" => options with { NodeRoundTrip = ParseRoundTrip(Next()) },
                "--state" => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? options with { State = true, StateSizes = [.. Next().Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture))] }
                    : options with { State = true },
                "--backfill" => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? options with { Backfill = true, BackfillSizes = [.. Next().Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture))] }
                    : options with { Backfill = true },
                "--backfill-minutes" => options with { BackfillLimit = TimeSpan.FromMinutes(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--cold-start" => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? options with { ColdStart = true, ColdStartRounds = ParseRounds(Next()) }
                    : options with { ColdStart = true },
                "--cold-start-only" => options with { ColdStartTargets = [.. Next().Split(',')] },
                "--scripts" => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? options with { ScriptPhase = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }
                    : options with { ScriptPhase = TimeSpan.FromSeconds(5) },
                "--help" or "-h" => null,
                _ => throw new FormatException($"Unknown option {args[i]}."),
            };
            if (options is null)
            {
                return null;
            }
        }

        // Nine nodes take ~45 s to start here: a quick run leaves them out unless asked.
        if (options.Quick && !sizesGiven)
        {
            options = options with { Sizes = [1, 3] };
        }

        if (options.SeedOnly && options.SeedRepository is null)
        {
            throw new FormatException("--seed-only needs --seed-repo (or CLUSTERGROUPS_SEED_REPO).");
        }

        if (options.External != (options.NodeUrls.Count > 0))
        {
            throw new FormatException("--api and --nodes go together.");
        }

        return options;
    }

    private static Dictionary<string, string> AddPair(Dictionary<string, string> env, string pair)
    {
        var at = pair.IndexOf('=', StringComparison.Ordinal);
        if (at < 1)
        {
            throw new FormatException($"Environment is given as NAME=VALUE, not '{pair}'.");
        }

        env[pair[..at]] = pair[(at + 1)..];
        return env;
    }

    // The node accepts up to a second (NetworkDelayOptions); a benchmark means a network's round trip, not a fault.
    private static TimeSpan ParseRoundTrip(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms is >= 0 and <= 100
            ? TimeSpan.FromMilliseconds(ms)
            : throw new FormatException($"--rtt-ms takes milliseconds from 0 to 100, not '{text}'.");

    // The AppHost checks it too, but only once the bench is starting an app: a typo fails here, before anything runs.
    private static string ParseStore(string text) => text is "garnet" or "redis-server" or "redis"
        ? text
        : throw new FormatException($"A store is garnet, redis-server or redis, not '{text}'.");

    private static string ParseCoordinator(string text) => Target.JournalSwitch.Coordinators.Contains(text)
        ? text
        : throw new FormatException($"A coordinator is {string.Join(" or ", Target.JournalSwitch.Coordinators)}, not '{text}'.");

    private static int ParseCount(string text) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 32
            ? n
            : throw new FormatException($"A node count is 1-32, not '{text}'.");

    private static int ParseInFlight(string text) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1024
            ? n
            : throw new FormatException($"--client-in-flight takes 1-1024 requests, not '{text}'.");

    private static int ParseRounds(string text) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100
            ? n
            : throw new FormatException($"Cold-start rounds are 1-100, not '{text}'.");

    private static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
