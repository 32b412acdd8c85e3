using ClusterGroups.Storage;

namespace ClusterGroups.Node.Groups;

// The node's Lua scripts, one per write (GroupStore runs them). Every write is one script: check the key's outcome,
// check and raise the fence, apply, keep the bucket and digest, record: atomically, in one round trip, with every key
// it touches in KEYS (Garnet runs a script atomically only with --lua-transaction-mode, and locks just those keys).
// Public so that the simulator runs these very scripts in its own keyspace: the models cannot drift from them.
// Only ordinary commands (GET, SET, HGET, HSETNX, HDEL, SADD, SREM, HINCRBY, ...) and Lua's string library.
public static class NodeScripts
{
    // The fence, one rule for writes and aborts: a token lower than the highest seen for the group is refused (that
    // highest is returned); a higher one is kept. No token (a client that sends none): nothing is checked.
    private const string Fence = """
        local function fence(hash, id, token, text)
          if not token then return nil end
          local seen = tonumber(redis.call('HGET', hash, id) or '0')
          if token < seen then return seen end
          if token > seen then redis.call('HSET', hash, id, text) end
          return nil
        end
        """;

    // What the write with this key did here, if the node can tell (docs/ARCHITECTURE.md, "Hazards across time",
    // forgotten key): its record while it lives (a day), else the group's state, which names the writes that made it:
    // the creating key (the groups hash) and the tombstone "{deleting key} {key that created what it deleted}"
    // (deleted-by:{groupId}, no expiry; an older node wrote the deleting key alone). An operation's own writes, its
    // apply key and its undo key, stay readable there for as long as no other write changes the group on this node,
    // which is as long as the operation is open (one open operation per group, and the fence).
    // Its arguments name the keys (each one of the calling script's KEYS): groups hash, deleted-by:{groupId},
    // idem:{key}, and (legacy, may be nil) idem:delete:{key}.
    private const string Recorded = """
        local function recorded(groups, tombstone, record, legacy, id, key)
          local prior = redis.call('GET', record)
          if prior then return prior end
          if legacy and redis.call('GET', legacy) == id then return 'delete:applied' end
          if redis.call('HGET', groups, id) == key then return 'create:applied' end
          local tomb = redis.call('GET', tombstone)
          if tomb then
            local deleter, creator = string.match(tomb, '^(%S+) (%S+)$')
            if not deleter then deleter = tomb end
            if deleter == key then return 'delete:applied' end
            if creator == key then return 'create:applied' end
          end
          return nil
        end
        """;

    // The checks every write makes first, in this order: a key already used is answered from its record (or from the
    // state its write left); then the fence. KEYS[2] fence hash; ARGV[1] groupId, ARGV[2] key ('~': none), ARGV[3]
    // token ('': none), ARGV[4] the record's lifetime in ms.
    private const string Checks = Fence + "\n" + Recorded + "\n" + """
        local id, key, token, window = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
        if key ~= '~' then
          local prior = recorded(KEYS[1], KEYS[4], KEYS[3], KEYS[5], id, key)
          if prior then return {'replay', prior} end
        end
        local seen = fence(KEYS[2], id, token, ARGV[3])
        if seen then return {'fenced', seen} end
        """;

    // A group in or out of its bucket: KEYS[6] digest hash, KEYS[7] the group's bucket set; ARGV[5] bucket, ARGV[6] /
    // ARGV[7] the low / high half of its hash (negated by the caller for a delete). The digest moves only when the set
    // does, so it stays the sums of its sets' members whatever the sets held before (a group put in the store without
    // the node, then deleted through it, changes nothing the digest counted): the digest rebuild relies on this.
    private const string Digest = """
        local function digest(sign)
          local moved
          if sign > 0 then moved = redis.call('SADD', KEYS[7], ARGV[1]) else moved = redis.call('SREM', KEYS[7], ARGV[1]) end
          if moved == 1 then
            redis.call('HINCRBY', KEYS[6], ARGV[5] .. ':n', sign)
            redis.call('HINCRBY', KEYS[6], ARGV[5] .. ':lo', ARGV[6])
            redis.call('HINCRBY', KEYS[6], ARGV[5] .. ':hi', ARGV[7])
          end
        end
        """;

    // KEYS: groups hash, fence hash, idem:{key}, deleted-by:{groupId}, (legacy) idem:delete:{key}, digest, bucket set.
    // ARGV: groupId, key, token, window ms, bucket, low, high.
    // Returns {'applied'} | {'alreadyso'} | {'replay', record} | {'fenced', seen}.
    public const string Create = Digest + "\n" + Checks + "\n" + """
        local result = 'alreadyso'
        if redis.call('HSETNX', KEYS[1], id, key) == 1 then
          result = 'applied'
          digest(1)
        end
        if key ~= '~' then redis.call('SET', KEYS[3], 'create:' .. result, 'PX', window) end
        return {result}
        """;

    // As Create. A delete that applies leaves the tombstone "{its key} {the creating key}" ('~' for none), without
    // expiry: a reader can tell which write removed the group, and an abort which writes made and unmade it.
    public const string Delete = Digest + "\n" + Checks + "\n" + """
        local result = 'alreadyso'
        local creator = redis.call('HGET', KEYS[1], id)
        if creator then
          redis.call('HDEL', KEYS[1], id)
          result = 'applied'
          digest(-1)
          redis.call('SET', KEYS[4], key .. ' ' .. creator)
        end
        if key ~= '~' then redis.call('SET', KEYS[3], 'delete:' .. result, 'PX', window) end
        return {result}
        """;

    // KEYS as a write's first five: groups hash, fence hash, idem:{key}, deleted-by:{groupId}, (legacy)
    // idem:delete:{key}. ARGV: groupId, key, token, window ms. The fence first (a stale resolver is refused), then:
    // what the key's write did here ({'known', record}: its record, or the state it left, recorded again), else the
    // key is recorded as aborted ({'aborted'}): a copy that arrives later never applies.
    public const string Abort = Fence + "\n" + Recorded + "\n" + """
        local id, key, token, window = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
        local seen = fence(KEYS[2], id, token, ARGV[3])
        if seen then return {'fenced', seen} end
        local prior = recorded(KEYS[1], KEYS[4], KEYS[3], KEYS[5], id, key)
        if prior then
          redis.call('SET', KEYS[3], prior, 'PX', window)
          return {'known', prior}
        end
        redis.call('SET', KEYS[3], 'abort:aborted', 'PX', window)
        return {'aborted'}
        """;

    // KEYS: groups, digest, the rebuild mark, then every bucket set. Every group, every bucket set and the digest go
    // together. (Every key a script touches is in KEYS: Garnet locks only those in --lua-transaction-mode.)
    public const string Wipe = """
        for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end
        return 1
        """;

    // KEYS[1] groups, KEYS[2] digest, then the bucket sets this batch touches. ARGV: 5 values per group: groupId,
    // bucket, low, high, the index in KEYS of its bucket set. Creates those not there yet (without a key), adds each
    // bucket's deltas once (only for ids its set did not hold); returns how many it created. The sums of one batch
    // stay far below 2^53, exact in Lua's doubles ('%.0f' prints them whole).
    public const string BulkCreate = """
        local created, n, lo, hi = 0, {}, {}, {}
        for i = 1, #ARGV, 5 do
          if redis.call('HSETNX', KEYS[1], ARGV[i], '~') == 1 then
            created = created + 1
            if redis.call('SADD', KEYS[tonumber(ARGV[i + 4])], ARGV[i]) == 1 then
              local b = ARGV[i + 1]
              n[b] = (n[b] or 0) + 1
              lo[b] = (lo[b] or 0) + tonumber(ARGV[i + 2])
              hi[b] = (hi[b] or 0) + tonumber(ARGV[i + 3])
            end
          end
        end
        for b, count in pairs(n) do
          redis.call('HINCRBY', KEYS[2], b .. ':n', count)
          redis.call('HINCRBY', KEYS[2], b .. ':lo', string.format('%.0f', lo[b]))
          redis.call('HINCRBY', KEYS[2], b .. ':hi', string.format('%.0f', hi[b]))
        end
        return created
        """;

    // The digest with what it must cover, read at one instant: KEYS groups, digest, the rebuild mark. Returns
    // {HLEN groups, the mark or '', HGETALL digest}: the digest is trusted only if no rebuild is under way and its
    // counts add up to the number of groups.
    public const string DigestRead = """
        return {redis.call('HLEN', KEYS[1]), redis.call('GET', KEYS[3]) or '', redis.call('HGETALL', KEYS[2])}
        """;

    // Rebuild, step 1 (docs/ARCHITECTURE.md, "Node HTTP contract", digest rebuild): KEYS[1] groups, then the bucket
    // sets of a batch of ids read from the groups hash. ARGV: pairs of groupId, index in KEYS of its bucket set. Puts
    // each id still in the groups hash into its set; returns how many were missing there. The digest is not touched:
    // step 2 recomputes every bucket afterwards.
    public const string RebuildAdd = """
        local added = 0
        for i = 1, #ARGV, 2 do
          if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
            added = added + redis.call('SADD', KEYS[tonumber(ARGV[i + 1])], ARGV[i])
          end
        end
        return added
        """;

    // Rebuild, step 2, one bucket: KEYS[1] groups, KEYS[2] digest, KEYS[3] the bucket's set. ARGV[1] the bucket, then 4
    // values per id the node read from the set: groupId, low, high, '1' if the id belongs to this bucket (else '0').
    // Removes the ids no longer in the groups hash (or in the wrong set), sums the rest, and sets the bucket's digest
    // to those sums only if they are the whole set: a member the node did not read (a create since) returns
    // {'moved', removed} and the node reads the set again. Returns {'done', removed}.
    public const string RebuildBucket = """
        local n, lo, hi, removed = 0, 0, 0, 0
        for i = 2, #ARGV, 4 do
          local id = ARGV[i]
          if ARGV[i + 3] ~= '1' or redis.call('HEXISTS', KEYS[1], id) == 0 then
            removed = removed + redis.call('SREM', KEYS[3], id)
          elseif redis.call('SISMEMBER', KEYS[3], id) == 1 then
            n = n + 1
            lo = lo + tonumber(ARGV[i + 1])
            hi = hi + tonumber(ARGV[i + 2])
          end
        end
        if redis.call('SCARD', KEYS[3]) ~= n then return {'moved', removed} end
        redis.call('HSET', KEYS[2], ARGV[1] .. ':n', n, ARGV[1] .. ':lo', string.format('%.0f', lo), ARGV[1] .. ':hi', string.format('%.0f', hi))
        return {'done', removed}
        """;

    // KEYS[1] the rebuild mark; ARGV[1] this rebuild's id. Clears the mark only if no later rebuild has set its own.
    public const string RebuildDone = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
        return 0
        """;

    // A takeover's first call (the Api's new owner of an operation): the fence raised to its token, so that no write
    // of an earlier owner still on its way applies here any more (it carries a lower token), then what the operation
    // did here, as it stands: the records of its apply key and its undo key, and the group's presence with the key
    // that made it so. Each key is known as an abort knows it (Recorded: its record, or after the record expired the
    // group's state that names it), and recorded again; an apply key never used is recorded as aborted, so the door is
    // shut on it by key as well. (Trusting the record alone would call an apply "aborted" once its record expired,
    // with the group it made still here.)
    // KEYS: 1 fence hash, 2 idem:{apply key}, 3 idem:{undo key}, 4 groups hash, 5 deleted-by:{groupId}.
    // ARGV: 1 groupId, 2 token, 3 window ms, 4 apply key, 5 undo key.
    // {'fenced', seen} | {'present', creating key, apply record, undo record} | {'absent', tombstone, apply, undo}.
    public const string TakeOver = Fence + "\n" + Recorded + "\n" + """
        local seen = fence(KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[2])
        if seen then return {'fenced', seen} end
        local apply = recorded(KEYS[4], KEYS[5], KEYS[2], nil, ARGV[1], ARGV[4]) or 'abort:aborted'
        redis.call('SET', KEYS[2], apply, 'PX', ARGV[3])
        local undo = recorded(KEYS[4], KEYS[5], KEYS[3], nil, ARGV[1], ARGV[5])
        if undo then redis.call('SET', KEYS[3], undo, 'PX', ARGV[3]) else undo = '' end
        local creator = redis.call('HGET', KEYS[4], ARGV[1])
        if creator then return {'present', creator, apply, undo} end
        return {'absent', redis.call('GET', KEYS[5]) or '', apply, undo}
        """;

    // The writes of one batch request in one script (StoreBatch, for GroupBatch; BatchScript: its layout and loop): the
    // store parses, locks and logs once per batch, not once per item. Each item runs its single script's very text, as
    // a function of its own KEYS and ARGV, one after another in the batch's order, so each is checked on its own (key
    // record, fence) exactly as when it goes alone, and sees what the items before it wrote. Steps: 'create',
    // 'delete', 'abort', 'takeover'.
    public const string Batch = "local function run_create(KEYS, ARGV)\n" + Create + "\nend\n"
        + "local function run_delete(KEYS, ARGV)\n" + Delete + "\nend\n"
        + "local function run_abort(KEYS, ARGV)\n" + Abort + "\nend\n"
        + "local function run_takeover(KEYS, ARGV)\n" + TakeOver + "\nend\n"
        + "local steps = {create = run_create, delete = run_delete, abort = run_abort, takeover = run_takeover}\n" + BatchScript.Loop;
}
