using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Chaos;

public sealed record FailNext(FaultKind Kind, string Method, int Count);

// Held: writes a delay-before-apply fault is holding right now (they apply when their delay is over).
public sealed record ChaosStatus(ChaosSettings Settings, IReadOnlyList<FailNext> FailNext, IReadOnlyDictionary<string, long> Injected, int Held);

// The node's live chaos state: the settings in force (swapped whole, never mutated), one-shot faults queued by
// "fail next", and how many faults of each kind were injected.
public sealed class ChaosController(IOptions<ChaosSettings> initial)
{
    private volatile InForce _inForce = new(initial.Value);
    private readonly ConcurrentQueue<FailNextSlot> _failNext = new();
    private readonly ConcurrentDictionary<FaultKind, long> _injected = new();

    public ChaosSettings Settings => _inForce.Settings;

    // No fault of any kind at any rate (the usual case): worked out once per swap, not per request.
    public bool InjectsNothing => _inForce.InjectsNothing;

    public static IReadOnlyList<string> Check(ChaosSettings settings)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "invalid")];
    }

    public void Set(ChaosSettings settings) => _inForce = new InForce(settings);

    public void Enqueue(FailNext failNext)
    {
        for (var i = 0; i < failNext.Count; i++)
        {
            _failNext.Enqueue(new FailNextSlot(failNext.Kind, failNext.Method.ToUpperInvariant()));
        }
    }

    public void ClearFailNext() => _failNext.Clear();

    // Takes a queued one-shot fault for this method, if the first queued one is for it.
    public FaultKind TakeFailNext(string method)
    {
        if (_failNext.TryPeek(out var slot) && slot.Method == method.ToUpperInvariant()
            && _failNext.TryDequeue(out var taken))
        {
            return taken.Kind;
        }

        return FaultKind.None;
    }

    public void Count(FaultKind kind) => _injected.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public ChaosStatus Status() => new(
        Settings,
        [.. _failNext.GroupBy(s => (s.Kind, s.Method)).Select(g => new FailNext(g.Key.Kind, g.Key.Method, g.Count()))],
        FaultKinds.All.ToDictionary(k => k.Slug(), k => _injected.GetValueOrDefault(k)),
        Volatile.Read(ref _held));

    private int _held;

    // Counts a write held by a delay-before-apply fault until it is released (dispose).
    public IDisposable Hold()
    {
        Interlocked.Increment(ref _held);
        return new Release(() => Interlocked.Decrement(ref _held));
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    private sealed record FailNextSlot(FaultKind Kind, string Method);

    // The settings in force and what follows from them, swapped together.
    private sealed class InForce(ChaosSettings settings)
    {
        public ChaosSettings Settings { get; } = settings;
        public bool InjectsNothing { get; } = FaultKinds.All.All(kind => settings.RateOf(kind) == 0);
    }
}
