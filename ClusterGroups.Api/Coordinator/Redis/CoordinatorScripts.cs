using ClusterGroups.Storage;

namespace ClusterGroups.Api.Coordinator.Redis;

// The Redis coordinator's Lua scripts, one per atomic step of the port (RedisCoordinator runs them; keys in
// docs/ARCHITECTURE.md, "The journal"). Every script names every key it touches in KEYS: Garnet runs a script
// atomically only with --lua-transaction-mode, which locks exactly those. Public so that the simulator runs these
// very scripts in its own keyspace.
public static class CoordinatorScripts
{
    // The lease with the proposed token. KEYS: 1 fences, 2 the group's last pointer, 3 the open set, 4 the lock.
    // ARGV: 1 groupId, 2 token, 3 owner, 4 lease ms. The token must be above the group's current one, else nothing is
    // done: {'stale', current}. {'busy', ''}: another owner holds it. Taken: the token becomes the group's; `last` and
    // `open` say which operation ran last and whether it is still open.
    private const string TakeLease = """
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if tonumber(ARGV[2]) <= current then return {'stale', string.format('%.0f', current)} end
        if not redis.call('SET', KEYS[4], ARGV[3], 'NX', 'PX', ARGV[4]) then return {'busy', ''} end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        local last = redis.call('GET', KEYS[2]) or ''
        local open = last ~= '' and redis.call('SISMEMBER', KEYS[3], last) == 1
        """;

    // The membership epoch the operation was planned under. KEYS[9] the membership (hash: epoch, members); ARGV[9] the
    // operation's epoch. Another recorded epoch (none: 0) answers {'epoch', recorded} and nothing is done: the caller
    // plans the operation again on the nodes of the recorded membership.
    private const string EpochCheck = """
        local epoch = redis.call('HGET', KEYS[9], 'epoch') or '0'
        if tonumber(epoch) ~= tonumber(ARGV[9]) then return {'epoch', epoch} end
        """;

    // The caller's Idempotency-Key, when the operation carries one. KEYS[10] the key's record (absent: no key). A key
    // already recorded names an earlier request: {'keyed', its record}, and nothing is done (no lease taken, nothing
    // begun): the caller answers with that request's operation.
    private const string KeyCheck = """
        if KEYS[10] then
          local named = redis.call('GET', KEYS[10])
          if named then return {'keyed', named} end
        end
        """;

    // What beginning an entry writes. KEYS: 5 entry, 6 all, 7 group index, 8 Running's index (and 2 last, 3 open),
    // 9 the membership (EpochCheck), 10 the key's record (optional). ARGV: 5 json, 6 id, 7 start ms, 8 the key's record
    // ("<kind> <groupId> <id>"), 9 the operation's membership epoch.
    // The key's record has no expiry while its operation is open (Save sets it on the close).
    private const string BeginWrites = """
        redis.call('SET', KEYS[5], ARGV[5])
        redis.call('ZADD', KEYS[6], ARGV[7], ARGV[6])
        redis.call('SET', KEYS[2], ARGV[6])
        redis.call('SADD', KEYS[3], ARGV[6])
        redis.call('ZADD', KEYS[7], ARGV[7], ARGV[6])
        redis.call('ZADD', KEYS[8], ARGV[7], ARGV[6])
        if KEYS[10] then redis.call('SET', KEYS[10], ARGV[8]) end
        """;

    // Acquire without beginning: {'open' | 'taken', last} once taken.
    public const string Lease = TakeLease + "\n" + "return {open and 'open' or 'taken', last}";

    // Steps 1 and 2 in one script: the membership epoch and the caller's key checked, the lease, then, when the last
    // operation is closed, the new one begun: {'begun', last}. An open last one: {'open', last}, nothing begun. Another
    // epoch: {'epoch', recorded}; a key already recorded: {'keyed', record}; nothing done. KEYS and ARGV: Lease's, then
    // BeginWrites' (the key's optional).
    public const string Start = EpochCheck + "\n" + KeyCheck + "\n" + TakeLease + "\n" + "if open then return {'open', last} end" + "\n" + BeginWrites + "\n"
        + "return {'begun', last}";

    // The owner check every journal write starts with: the operation's token is not below the group's current one.
    // KEYS[1] fences; ARGV[1] groupId, ARGV[2] the operation's token. 0: refused.
    private const string OwnerCheck = """
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if tonumber(ARGV[2]) < current then return 0 end
        """;

    // Begin under a lease already held. KEYS: Start's (the lock unused). ARGV: 1 groupId, 2 token, then BeginWrites'.
    // 1 written, 0 fenced, {'keyed', record}: the key names an earlier request (recorded meanwhile by a request for
    // another group, under that group's lease), nothing written; {'epoch', recorded}: the membership changed meanwhile.
    public const string Begin = OwnerCheck + "\n" + EpochCheck + "\n" + KeyCheck + "\n" + BeginWrites + "\n" + "return 1";

    // KEYS: 1 fences, 2 entry, 3 open, 4 all, 5 group index, 6 desired state, 7 lock, then every outcome's index
    // (Outcome order). ARGV: 1 groupId, 2 token, 3 json, 4 id, 5 retention ms ('' while open), 6 keep, 7 start ms,
    // 8 the current outcome's position (1-based), 9 prune-before ms, 10 the desired state to record ('' none), 11 the
    // lease owner to free ('' none), 12 the position of the outcome the entry held before ('0': not known), 13 whether
    // to prune the indexes ('1'), 14 the key window in ms ('' none: then the last of KEYS is an outcome's index; else
    // it is the operation's Idempotency-Key record, which expires that long after the close).
    // The id moves to its outcome's index with the entry, so a search never sees them disagree: out of the one it
    // was in when that is known, else out of all of them. The indexes are trimmed (the newest `keep`, nothing older
    // than twice the retention) by one close in 16, not by each: a close's cost is in its commands. The operation's
    // close records its desired state and frees its lease in the same step.
    public const string Save = OwnerCheck + "\n" + """
        local outcomes = #KEYS
        if ARGV[14] ~= '' then
          outcomes = outcomes - 1
          if ARGV[5] ~= '' then redis.call('PEXPIRE', KEYS[#KEYS], ARGV[14]) end
        end
        local current = tonumber(ARGV[8])
        local previous = tonumber(ARGV[12])
        local prune = ARGV[5] ~= '' and ARGV[13] == '1'
        if ARGV[5] == '' then
          redis.call('SET', KEYS[2], ARGV[3])
        else
          redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5])
          redis.call('SREM', KEYS[3], ARGV[4])
        end
        if prune then
          redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[6]) - 1)
          redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[9])
        end
        if previous > 0 then
          if previous ~= current then
            redis.call('ZREM', KEYS[7 + previous], ARGV[4])
          end
          redis.call('ZADD', KEYS[7 + current], ARGV[7], ARGV[4])
        else
          for i = 8, outcomes do
            if i - 7 == current then
              redis.call('ZADD', KEYS[i], ARGV[7], ARGV[4])
            else
              redis.call('ZREM', KEYS[i], ARGV[4])
            end
          end
        end
        if prune then
          redis.call('ZREMRANGEBYRANK', KEYS[7 + current], 0, -tonumber(ARGV[6]) - 1)
        end
        if ARGV[10] ~= '' then
          redis.call('HSET', KEYS[6], ARGV[1], ARGV[10])
        end
        if ARGV[11] ~= '' and redis.call('GET', KEYS[7]) == ARGV[11] then
          redis.call('DEL', KEYS[7])
        end
        return 1
        """;

    // A key's request refused past its deadline (ICoordinator.RefuseKeyAsync). KEYS[1] the key's record; ARGV[1] the
    // refusal ("<kind> <groupId> -"), ARGV[2] the key window ms. The record the key already has, or nil once written.
    public const string RefuseKey = """
        local named = redis.call('GET', KEYS[1])
        if named then return named end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return false
        """;

    // A membership change, compare-and-set on the epoch, behind the upgrade gate. KEYS[1] the membership, KEYS[2] the
    // set of replicas that announced, KEYS[3..] the announcements of the replicas the caller listed in it (every key
    // is named, for --lua-transaction-mode); ARGV[1] the new epoch, ARGV[2] its JSON, ARGV[3] the protocol version the
    // change needs (0: ungated), ARGV[4..] the listed replicas, in KEYS[3..]'s order.
    // 1: recorded; 0: the recorded epoch (none: 0) is not the one before ARGV[1]; {'unlisted', replica}: a replica
    // announced since the caller listed them (list again); {'older', announcement...}: live announcements below
    // ARGV[3]. Nothing is written unless 1. The protocol is read from the announcement's JSON (ReplicaFormat).
    public const string ChangeMembership = """
        local epoch = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
        if epoch + 1 ~= tonumber(ARGV[1]) then return 0 end
        local needs = tonumber(ARGV[3])
        if needs > 0 then
          local listed = {}
          for i = 4, #ARGV do listed[ARGV[i]] = true end
          for _, replica in ipairs(redis.call('SMEMBERS', KEYS[2])) do
            if not listed[replica] then return {'unlisted', replica} end
          end
          local older = {'older'}
          for i = 3, #KEYS do
            local announced = redis.call('GET', KEYS[i])
            if announced then
              local protocol = tonumber(string.match(announced, '"protocol":%s*(%d+)'))
              if protocol == nil or protocol < needs then older[#older + 1] = announced end
            end
          end
          if #older > 1 then return older end
        end
        redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'members', ARGV[2])
        return 1
        """;

    // A replica's announcement, live for ARGV[2] ms on the store's clock. KEYS[1] the announcement, KEYS[2] the set of
    // replicas that announced; ARGV[1] the announcement's JSON, ARGV[3] the replica.
    public const string Announce = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[3])
        return 1
        """;

    // KEYS and ARGV[3] as Announce's: the announcement gone at once.
    public const string Withdraw = """
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        return 1
        """;

    // Forgets replicas whose announcement expired: KEYS[1] the set, KEYS[2..] their announcements, ARGV their names.
    // Checked in the script, so a replica that announced again since it was listed is never forgotten.
    public const string ForgetExpired = """
        for i = 2, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 0 then redis.call('SREM', KEYS[1], ARGV[i - 1]) end
        end
        return 1
        """;

    // KEYS[1] the lock; ARGV[1] owner, ARGV[2] lease ms. 1: extended; 0: not this owner's any more.
    public const string Renew = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """;

    // Compare-and-delete: never frees a lease another owner has taken since. KEYS[1] the lock; ARGV[1] owner.
    public const string Release = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    // Group commit (RedisCoordinator's CoordinatorWriteQueue): several operations' Start, Begin and Save (Close) in one
    // script (BatchScript: its layout and loop). Each item runs its single script's very text, as a function of its
    // own KEYS and ARGV, one after another in the batch's order, so each is checked on its own (fencing, epoch, key,
    // lease) exactly as when it goes alone, and sees what the items before it wrote (two items of one group are two
    // single scripts in a row). Steps: 'start', 'begin', 'save'.
    public const string Batch = "local function run_start(KEYS, ARGV)\n" + Start + "\nend\n"
        + "local function run_begin(KEYS, ARGV)\n" + Begin + "\nend\n"
        + "local function run_save(KEYS, ARGV)\n" + Save + "\nend\n"
        + "local steps = {start = run_start, begin = run_begin, save = run_save}\n" + BatchScript.Loop;
}
