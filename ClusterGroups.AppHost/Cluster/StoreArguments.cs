namespace ClusterGroups.AppHost.Cluster;

// The stores' command lines in one place: the AppHost starts stores with them, and the tests that kill stores under
// load or fill them past their memory start theirs with the very same (README, "Running a node or the Api alone").
// Every store acknowledges a write only once it survives a kill -9 of the store (README, "What a store promises"): redis
// by its own arguments, Garnet together with its clients (RedisStore commits the log before it hands a reply on).
public static class StoreArguments
{
    // The in-memory part of the embedded store's log; what does not fit goes to disk (--storage-tier), never away.
    public const string GarnetMemory = "2g";

    public static IReadOnlyList<string> Garnet(string dataDir, bool atomicScripts, string memory = GarnetMemory)
    {
        List<string> args =
        [
            "--bind", "127.0.0.1",
            // The append-only file and its checkpoints, and the log's pages that do not fit in --memory.
            "--checkpointdir", dataDir, "--logdir", dataDir, "--aof", "--recover",
            // --memory bounds the main log in memory, objects' heap included. Without --storage-tier what does not
            // fit is evicted, i.e. lost: with 64m a node's 200 000-group hash vanished (StoreMemoryTests). With it,
            // pages that do not fit are written to --logdir and read back when asked: disk is the bound, not memory.
            "--storage-tier", "--memory", memory, "--index", "16m", "--aof-memory", "64m",
            // Lua: nodes and the coordinator do each conditional write in one round trip (EVALSHA).
            "--lua",
            // The managed device: the native one needs libaio and liburing, which a fresh machine may lack. It writes
            // the log O_DIRECT (no O_DSYNC, and Garnet never fsyncs): a completed write is the kernel's and the disk's,
            // which a kill -9 of the store cannot undo; a power loss can (README, "What a store promises"). The
            // FileStream device writes O_SYNC and would keep it too, but here it cost 4 times the CPU per write and a
            // disk flush each (c=1 p50 0.66 ms against 0.19, c=32 2 900 writes/s against 8 700).
            "--device-type", "RandomAccess",
            // No --aof-commit-wait: with it every redis.call of a script waits for a log commit of its own (Garnet runs
            // a script's calls through a session whose reply path, RespServerSession.Send, waits), and a node's scripts
            // come one after another on its one connection, so nothing is shared: a script of 7 writes cost 7 log
            // writes in a row, 0.40 ms of store CPU against 0.10, 2 554 scripts/s against 10 101 (README, "Cost of
            // durable acknowledgements", bench/store-commit-micro.sh). With --aof-commit-freq N each of those waits is
            // for the next period instead (36 scripts/s, p50 28 ms at N=1). Durable answers come from the clients:
            // every reply waits for a COMMITAOF shared by the replies of the moment (ClusterGroups.Storage/RedisStore,
            // GroupCommit), which commits the log up to its tail. Garnet itself commits once a second (not after every
            // append, its default): a client that does not commit (an older node, Cluster:DurableAcks=false) can lose
            // up to a second of answered writes, as redis' everysec, and one that forgot to commit is caught by the
            // kill tests (StoreKillTests) rather than hidden by a commit that happened to come in time. Garnet recovers
            // such a log after kill -9 (bench/store-kill-loop.sh: 25 restarts of 25).
            "--aof-commit-freq", "1000",
        ];
        if (atomicScripts)
        {
            // A node's scripts keep a group, its bucket and the digest together, and the coordinator's take a lease,
            // raise its fencing token and write the journal: both need them atomic. Garnet promises that only with
            // --lua-transaction-mode (it then locks the script's KEYS, and a script may touch no other key, so every
            // script names all it touches; the journal's read of a group's last entry is two commands, not a script).
            args.Add("--lua-transaction-mode");
        }

        return args;
    }

    // A redis-server (the local binary, or the redis image's): an append-only file fsync'd before every reply. Debian's
    // redis-server is 7.0, which has no WAITAOF; appendfsync always is what makes the reply follow the fsync.
    public static IReadOnlyList<string> RedisServer(string dataDir, bool durableAcks = true, string bind = "127.0.0.1") =>
    [
        "--bind", bind, "--dir", dataDir, "--appendonly", "yes",
        // everysec is redis' own default: up to a second of acknowledged writes lost on a crash (the A/B only).
        "--appendfsync", durableAcks ? "always" : "everysec",
        "--save", "", "--protected-mode", "no",
    ];
}
