using System.Collections.Concurrent;
using ClusterGroups.Api.Cluster;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace ClusterGroups.Api.Nodes;

// How long one call to a node may go unanswered: AttemptTimeoutFactor times the node's recent p90, between
// Cluster:Resilience:MinAttemptTimeout and AttemptTimeout. With a fixed 2 s, every lost answer cost 2 s even from a
// node that answers in 2 ms (the p99 of an operation under 5 % faults was 7-17 x the fault-free one); a fixed short
// timeout would give up on a node that is merely busy. A call that timed out counts as taking what it waited, so a
// node that slows down gets its timeout raised again, back up to AttemptTimeout. The p90, not the p99: lost answers
// count at the timeout itself, and a p99 would climb to it (and the timeout 5-fold) as soon as more than 1 % of calls
// are lost (the benchmark's 5 % fault rate loses 1.7 %); 10 % lost means the node is slow, not unlucky.
public sealed class NodeLatency(IOptions<ClusterOptions> options)
{
    // Names the node on a request, for the timeout generator of the node client's resilience handler.
    public static readonly HttpRequestOptionsKey<string> NodeKey = new("clustergroups.node");

    private const int Window = 200;
    private const int MinSamples = 20;
    private readonly ConcurrentDictionary<string, Recent> _nodes = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string node, double milliseconds) =>
        _nodes.GetOrAdd(node, _ => new Recent()).Add(milliseconds);

    // The resilience handler's TimeoutGenerator: the node is named on the request (NodeKey) by NodeClient.
    public ValueTask<TimeSpan> TimeoutFor(TimeoutGeneratorArguments args) => ValueTask.FromResult(AttemptTimeout(
        args.Context.GetRequestMessage()?.Options.TryGetValue(NodeKey, out var node) == true ? node : null));

    public TimeSpan AttemptTimeout(string? node)
    {
        var settings = options.Value.Resilience;
        var max = settings.AttemptTimeout;
        if (node is null || !_nodes.TryGetValue(node, out var recent) || recent.P90 is not { } p90)
        {
            return max;
        }

        var min = settings.MinAttemptTimeout < max ? settings.MinAttemptTimeout : max;
        var timeout = TimeSpan.FromMilliseconds(p90 * settings.AttemptTimeoutFactor);
        return timeout < min ? min : timeout > max ? max : timeout;
    }

    // The last Window durations of one node; the p90 is recomputed every 16 calls (sorting 200 numbers is cheap,
    // doing it on every call is not needed).
    private sealed class Recent
    {
        private readonly Lock _lock = new();
        private readonly double[] _ms = new double[Window];
        private int _count;
        private int _next;
        private double? _p90;

        public double? P90
        {
            get
            {
                lock (_lock)
                {
                    return _p90;
                }
            }
        }

        public void Add(double ms)
        {
            lock (_lock)
            {
                _ms[_next] = ms;
                _next = (_next + 1) % Window;
                _count = Math.Min(_count + 1, Window);
                if (_count >= MinSamples && (_p90 is null || _next % 16 == 0))
                {
                    var sorted = _ms[.._count];
                    Array.Sort(sorted);
                    _p90 = sorted[(int)Math.Ceiling(0.9 * _count) - 1];
                }
            }
        }
    }
}
