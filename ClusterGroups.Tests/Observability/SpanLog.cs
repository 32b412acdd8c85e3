using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClusterGroups.Tests.Observability;

// What an in-memory exporter received, readable while the exporter keeps adding (it exports from its own threads).
public sealed class SpanLog : ICollection<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public int Count => _spans.Count;
    public bool IsReadOnly => false;

    public void Add(Activity item) => _spans.Enqueue(item);
    public void Clear() => _spans.Clear();
    public bool Contains(Activity item) => _spans.Contains(item);
    public void CopyTo(Activity[] array, int arrayIndex) => _spans.ToArray().CopyTo(array, arrayIndex);
    public bool Remove(Activity item) => throw new NotSupportedException("the log only grows");
    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)_spans.ToArray()).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
