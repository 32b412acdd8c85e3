namespace ClusterGroups.UnitTests.Storage;

// One connection to a store as the store sees it: commands in the order they were enqueued, numbered from 0, each
// answered when the test says, or (Autoanswer) at once on a pool thread, commits failing where the test chooses.
// Thread-safe: concurrent callers enqueue through one lock, as StackExchange.Redis writes one multiplexer's calls.
public sealed class RecordingConnection
{
    public const string Commit = "COMMITAOF";

    private static readonly TimeSpan Box = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly List<Command> _wire = [];
    private readonly SemaphoreSlim _enqueued = new(0);
    private readonly Func<Command, bool>? _autoanswerFails;
    private int _lastSucceededCommit = -1;

    // Commands wait for the test's answer.
    public RecordingConnection()
    {
    }

    // Every command is answered at once on a pool thread; a commit fails where failCommit says so.
    public RecordingConnection(Func<Command, bool> failCommit) => _autoanswerFails = failCommit;

    public sealed record Command(string Name, int Position)
    {
        internal TaskCompletionSource<int> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class CommitFailedException(int position) : Exception($"the commit at {position} failed")
    {
        public int Position => position;
    }

    // The position of the last commit that succeeded (commits end one at a time, in order): set before its caller hears.
    public int LastSucceededCommit => Volatile.Read(ref _lastSucceededCommit);

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                return [.. _wire.Select(c => c.Name)];
            }
        }
    }

    // A write: its reply is its position on the wire.
    public Task<int> Send(string name) => Enqueue(name).Reply.Task;

    public Task EnqueueCommit() => Enqueue(Commit).Reply.Task;

    public Command Enqueue(string name)
    {
        Command command;
        lock (_lock)
        {
            command = new Command(name, _wire.Count);
            _wire.Add(command);
        }

        _enqueued.Release();
        if (_autoanswerFails is { } fails)
        {
            _ = Task.Run(async () =>
            {
                await Task.Yield();
                if (command.Name == Commit && fails(command))
                {
                    Fail(command.Position);
                }
                else
                {
                    Answer(command.Position);
                }
            });
        }

        return command;
    }

    public void Answer(int position)
    {
        var command = At(position);
        if (command.Name == Commit)
        {
            Volatile.Write(ref _lastSucceededCommit, Math.Max(_lastSucceededCommit, position));
        }

        command.Reply.SetResult(position);
    }

    public void Fail(int position) => At(position).Reply.SetException(new CommitFailedException(position));

    public void Fail(int position, Exception error) => At(position).Reply.SetException(error);

    // Waits (bounded) until the wire holds `count` commands.
    public async Task<IReadOnlyList<string>> WaitForAsync(int count)
    {
        while (true)
        {
            var names = Names;
            if (names.Count >= count)
            {
                return names;
            }

            await _enqueued.WaitAsync().WaitAsync(Box);
        }
    }

    private Command At(int position)
    {
        lock (_lock)
        {
            return _wire[position];
        }
    }
}
