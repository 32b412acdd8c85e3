using System.Globalization;
using System.Text;

namespace ClusterGroups.Simulation.Runtime;

// What happened in a run, line by line, in simulated time: who sent what to whom, what each answer said, faults,
// answers given and invariant checks. The same seed gives the same text, byte for byte (DeterminismTests).
public sealed class SimTrace(SimScheduler scheduler, bool keep)
{
    private readonly StringBuilder _text = new();

    public int Lines { get; private set; }

    public void Add(string who, string what)
    {
        Lines++;
        if (keep)
        {
            _text.Append(CultureInfo.InvariantCulture, $"{scheduler.Now.TotalSeconds,12:0.000000} {who,-8} {what}\n");
        }
    }

    public override string ToString() => _text.ToString();
}
