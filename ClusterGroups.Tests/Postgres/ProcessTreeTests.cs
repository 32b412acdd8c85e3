using System.Diagnostics;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;

namespace ClusterGroups.Tests.Postgres;

// The harness' faults on a PostgreSQL instance (kill -9, SIGSTOP, SIGCONT, SIGINT) go to its whole process tree. Here
// the tree is a shell and the sleeps it started, so that these hold without PostgreSQL: kill -9 reaches every process
// (a root killed before its children were found handed them to init, and most of the tree lived on), a pause
// freezes every one and a resume runs every one, and a signal the root handles itself is not held up by the freeze.
public sealed class ProcessTreeTests
{
    private const int Children = 6;

    [Fact]
    public async Task Kill_reaches_every_process_of_the_tree()
    {
        await using var tree = await SleepingTree.StartAsync("");
        ProcessTree.Signal(tree.Root.Id, ProcessTree.Kill);

        await tree.Root.WaitForExitAsync().WaitAsync(Wait.Request);
        await Wait.UntilAsync(() => Task.FromResult(!tree.Children.Any(tree.IsAlive)), TimeSpan.FromSeconds(20),
            $"every child gone ({tree.Children.Count(tree.IsAlive)} of {Children} alive once the root had exited)");
    }

    [Fact]
    public async Task A_pause_freezes_every_process_and_a_resume_runs_every_one()
    {
        await using var tree = await SleepingTree.StartAsync("");
        ProcessTree.Signal(tree.Root.Id, ProcessTree.Stop);
        // A signal is taken when its process next runs: the states are waited for, briefly.
        await Wait.UntilAsync(() => Task.FromResult(tree.All.All(ProcessTree.IsStopped)), TimeSpan.FromSeconds(20),
            $"all {Children + 1} processes stopped");

        ProcessTree.Signal(tree.Root.Id, ProcessTree.Continue);
        await Wait.UntilAsync(() => Task.FromResult(!tree.All.Any(ProcessTree.IsStopped)), TimeSpan.FromSeconds(20),
            $"all {Children + 1} processes running again");
        Assert.All(tree.All, pid => Assert.True(tree.IsAlive(pid), $"{pid} alive"));
    }

    [Fact]
    public async Task An_interrupted_root_is_not_left_frozen_and_handles_the_signal()
    {
        // bash runs its INT trap once `wait` returns; the sleeps, started in the background, ignore SIGINT.
        await using var tree = await SleepingTree.StartAsync("trap 'exit 3' INT; ");
        ProcessTree.Signal(tree.Root.Id, ProcessTree.Interrupt);

        await tree.Root.WaitForExitAsync().WaitAsync(Wait.Request);
        Assert.Equal(3, tree.Root.ExitCode);
    }

    // A shell and its sleeping children. The sleeps carry a marker of their own, so that a check or the clean-up never
    // takes a process that reused one of their pids for one of them.
    private sealed class SleepingTree : IAsyncDisposable
    {
        private readonly string _marker;

        private SleepingTree(Process root, string marker) => (Root, _marker) = (root, marker);

        public Process Root { get; }

        public IReadOnlyList<int> Children { get; private set; } = [];

        public IEnumerable<int> All => [Root.Id, .. Children];

        public static async Task<SleepingTree> StartAsync(string preamble)
        {
            var marker = $"600.{Random.Shared.Next(100_000, 999_999)}";
            var root = Process.Start(new ProcessStartInfo("bash", ["-c", $"{preamble}for i in $(seq {ProcessTreeTests.Children}); do sleep {marker} & done; wait"])
            {
                UseShellExecute = false,
            })!;
            var tree = new SleepingTree(root, marker);
            await Wait.UntilAsync(() => Task.FromResult(ProcessTree.Descendants(root.Id).Count(tree.IsAlive) == ProcessTreeTests.Children),
                Wait.Resource, $"{ProcessTreeTests.Children} sleeping children");
            tree.Children = [.. ProcessTree.Descendants(root.Id)];
            return tree;
        }

        public bool IsAlive(int pid)
        {
            try
            {
                return ProcessTree.IsAlive(pid) && File.ReadAllText($"/proc/{pid}/cmdline").Contains(_marker, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }

        // Whatever a failed check left: the sleeps by their marker, then the shell.
        public ValueTask DisposeAsync()
        {
            foreach (var pid in Children.Where(IsAlive))
            {
                try
                {
                    using var child = Process.GetProcessById(pid);
                    child.Kill();
                }
                catch (ArgumentException)
                {
                    // Gone between the check and the kill.
                }
            }

            if (!Root.HasExited)
            {
                Root.Kill();
            }

            Root.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
