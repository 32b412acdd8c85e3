-- The coordinator in PostgreSQL, schema version 1: what the Redis coordinator keeps under cg:* (docs/ARCHITECTURE.md,
-- "The journal"), as tables, and its scripts as functions, so that Start and Close stay one round trip each.
-- Run by PostgresSchema inside one transaction under an advisory lock; never edit a migration once released: add the
-- next one (0002_....sql).
--
-- Every writing function raises synchronous_commit to 'on' for its own transaction (never lowers it): with
-- synchronous standbys configured, its commit is acknowledged only once a standby has flushed it, whatever the
-- session or the role was set to. A client must treat a commit whose wait was cancelled (the WARNING "canceling wait
-- for synchronous replication", which comes with a normal success) as unknown, never as done.
-- Times that decide anything (lease expiry, retention) are the database's clock (clock_timestamp()), never the Api's.

CREATE SCHEMA IF NOT EXISTS cg;

-- One row per group ever leased. The row is also the group's lock: every write about the group locks it first.
--   fence                 the group's current fencing token; only grows (cg:fences)
--   lease_owner/_expires  the lease (cg:lock:{g}); free when null or expired by the database's clock
--   last_operation_id     the last operation started on the group, kept as long as the row (cg:group:{g}:last)
--   desired_*             the desired state recorded by the close of a Committed/AlreadySo operation (cg:desired)
CREATE TABLE cg.groups (
    group_id             text COLLATE "C" PRIMARY KEY,
    fence                bigint NOT NULL DEFAULT 0,
    lease_owner          text COLLATE "C",
    lease_expires_at     timestamptz,
    last_operation_id    text COLLATE "C",
    desired_present      boolean,
    desired_operation_id text COLLATE "C",
    CONSTRAINT lease_complete CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL)),
    CONSTRAINT desired_complete CHECK ((desired_present IS NULL) = (desired_operation_id IS NULL))
) WITH (fillfactor = 80); -- room for the frequent lease updates to stay on their page (HOT)

-- One row per operation (cg:op:{id} and the indexes cg:ops, cg:ops:open, cg:ops:group:*, cg:ops:outcome:*).
--   entry       the journal entry as JournalFormat writes it (v2; v1 entries read as well): the rest is for search
--   started_at  the entry's start to the millisecond: the search's order, with operation_id for ties (the cursor)
--   open        running or pending repair; an open operation never expires
--   expires_at  closed: when ClosedRetention ends (database clock); the entry then reads as gone and is pruned
CREATE TABLE cg.operations (
    operation_id text COLLATE "C" PRIMARY KEY,
    group_id     text COLLATE "C" NOT NULL,
    kind         text NOT NULL,
    outcome      text NOT NULL,
    open         boolean NOT NULL,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    caller       text COLLATE "C",
    fence        bigint NOT NULL,
    entry        jsonb NOT NULL,
    expires_at   timestamptz,
    CONSTRAINT open_never_expires CHECK (NOT (open AND expires_at IS NOT NULL))
);

-- The operator's search (GET /v1/operations): newest first by (started_at, operation_id) within each filter.
CREATE INDEX operations_by_start ON cg.operations (started_at DESC, operation_id DESC);
CREATE INDEX operations_by_group ON cg.operations (group_id, started_at DESC, operation_id DESC);
CREATE INDEX operations_by_outcome ON cg.operations (outcome, started_at DESC, operation_id DESC);
CREATE INDEX operations_by_caller ON cg.operations (caller, started_at DESC, operation_id DESC) WHERE caller IS NOT NULL;
CREATE INDEX operations_open ON cg.operations (started_at DESC, operation_id DESC) WHERE open;
CREATE INDEX operations_expiry ON cg.operations (expires_at) WHERE expires_at IS NOT NULL;

-- Raises synchronous_commit to 'on' for the current transaction unless it is already at least that strong.
CREATE FUNCTION cg.synchronous_commit() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('synchronous_commit') IN ('off', 'local', 'remote_write') THEN
        PERFORM set_config('synchronous_commit', 'on', true);
    END IF;
END $$;

-- The lease with a proposed token: when p_fence is above the group's token and the lease is free, the token becomes
-- p_fence and the lease p_owner's for p_lease_ms. answer: 'taken' (with the group's last operation), 'stale' (the
-- token is not above the current one, given back) or 'busy'. Stale is answered before busy, as the Redis script does.
-- A refusal writes nothing (no transaction id, so its commit waits for no standby).
CREATE FUNCTION cg.try_lease(p_group_id text, p_fence bigint, p_owner text, p_lease_ms integer,
                             OUT answer text, OUT current_fence bigint, OUT last_operation_id text)
LANGUAGE plpgsql AS $$
BEGIN
    LOOP
        -- In READ COMMITTED an UPDATE that met a concurrent one waits for it and checks its WHERE again on the
        -- row that one left: the check and the write are one step.
        UPDATE cg.groups g
           SET fence = p_fence, lease_owner = p_owner,
               lease_expires_at = clock_timestamp() + p_lease_ms * interval '1 millisecond'
         WHERE g.group_id = p_group_id AND g.fence < p_fence
           AND (g.lease_owner IS NULL OR g.lease_expires_at <= clock_timestamp())
        RETURNING g.last_operation_id INTO last_operation_id;
        IF FOUND THEN
            answer := 'taken';
            current_fence := p_fence;
            RETURN;
        END IF;

        SELECT g.fence INTO current_fence FROM cg.groups g WHERE g.group_id = p_group_id;
        IF FOUND THEN
            answer := CASE WHEN p_fence <= current_fence THEN 'stale' ELSE 'busy' END;
            RETURN;
        END IF;

        IF p_fence <= 0 THEN
            answer := 'stale';
            current_fence := 0;
            RETURN;
        END IF;

        INSERT INTO cg.groups (group_id, fence, lease_owner, lease_expires_at)
        VALUES (p_group_id, p_fence, p_owner, clock_timestamp() + p_lease_ms * interval '1 millisecond')
        ON CONFLICT (group_id) DO NOTHING;
        IF FOUND THEN
            answer := 'taken';
            current_fence := p_fence;
            last_operation_id := NULL;
            RETURN;
        END IF;
        -- Another transaction made the group's row meanwhile: decide against that row.
    END LOOP;
END $$;

-- What beginning an entry writes: the entry with its search columns, and the group's last-operation pointer.
-- The caller holds the group's row (locked by the lease or by the owner check).
CREATE FUNCTION cg.begin_writes(p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                                p_started_at timestamptz, p_caller text, p_entry jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO cg.operations (operation_id, group_id, kind, outcome, open, started_at, caller, fence, entry)
    VALUES (p_operation_id, p_group_id, p_kind, p_outcome, true, p_started_at, p_caller, p_fence, p_entry)
    ON CONFLICT (operation_id) DO UPDATE
        SET group_id = excluded.group_id, kind = excluded.kind, outcome = excluded.outcome, open = true,
            started_at = excluded.started_at, ended_at = NULL, caller = excluded.caller, fence = excluded.fence,
            entry = excluded.entry, expires_at = NULL;
    UPDATE cg.groups SET last_operation_id = p_operation_id WHERE group_id = p_group_id;
$$;

-- The owner check of Begin and Save: locks the group's row (made if the group has none) and tells whether p_fence is
-- still its current token (no later lease on the group was taken). A paused owner's late write is refused.
CREATE FUNCTION cg.owner_check(p_group_id text, p_fence bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    current_fence bigint;
BEGIN
    INSERT INTO cg.groups (group_id) VALUES (p_group_id) ON CONFLICT (group_id) DO NOTHING;
    SELECT fence INTO current_fence FROM cg.groups WHERE group_id = p_group_id FOR UPDATE;
    RETURN p_fence >= current_fence;
END $$;

-- The protocol's steps 1 and 2 in one round trip (RedisOperationJournal's Start script): take the lease with the
-- proposed token, read the group's last operation, begin the new one.
--   ('stale', current token)  nothing done: propose a token above it
--   ('busy', '')              the lease is held
--   ('open', last id)         lease taken; the last operation is still open: finish it first; nothing begun
--   ('checked', last id)      lease taken; not asked to begin (a repair checks its precondition first)
--   ('begun', last id)        lease taken and the entry begun; last id '' when the group had none
CREATE FUNCTION cg.start(p_group_id text, p_fence bigint, p_owner text, p_lease_ms integer, p_begin boolean,
                         p_operation_id text, p_kind text, p_outcome text, p_started_at timestamptz, p_caller text,
                         p_entry jsonb, OUT answer text, OUT value text)
LANGUAGE plpgsql AS $$
DECLARE
    lease record;
BEGIN
    PERFORM cg.synchronous_commit();
    SELECT * INTO lease FROM cg.try_lease(p_group_id, p_fence, p_owner, p_lease_ms);
    IF lease.answer = 'stale' THEN
        answer := 'stale';
        value := lease.current_fence::text;
        RETURN;
    ELSIF lease.answer = 'busy' THEN
        answer := 'busy';
        value := '';
        RETURN;
    END IF;

    value := coalesce(lease.last_operation_id, '');
    IF EXISTS (SELECT 1 FROM cg.operations o WHERE o.operation_id = lease.last_operation_id AND o.open) THEN
        answer := 'open';
    ELSIF NOT p_begin THEN
        answer := 'checked';
    ELSE
        PERFORM cg.begin_writes(p_group_id, p_fence, p_operation_id, p_kind, p_outcome, p_started_at, p_caller, p_entry);
        answer := 'begun';
    END IF;
END $$;

-- Begin on its own (after Start answered 'open' or 'checked'), owner-checked. False: fenced, nothing written.
CREATE FUNCTION cg.begin(p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                         p_started_at timestamptz, p_caller text, p_entry jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cg.synchronous_commit();
    IF NOT cg.owner_check(p_group_id, p_fence) THEN
        RETURN false;
    END IF;

    PERFORM cg.begin_writes(p_group_id, p_fence, p_operation_id, p_kind, p_outcome, p_started_at, p_caller, p_entry);
    RETURN true;
END $$;

-- Save, and the protocol's step 7 in one round trip (RedisOperationJournal's Save script), owner-checked; false:
-- fenced, nothing written. The entry and its search columns; when it is closed (not p_open), it expires
-- p_retention_ms later by the database's clock. p_desired_present: the desired state its close decided (true present,
-- false absent, null none), recorded with this operation's id. p_release_owner: the lease to free if that owner still
-- holds it (the close). p_prune: how many expired entries to delete on the way (0: none).
CREATE FUNCTION cg.save(p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                        p_open boolean, p_started_at timestamptz, p_ended_at timestamptz, p_caller text, p_entry jsonb,
                        p_retention_ms bigint, p_desired_present boolean, p_release_owner text, p_prune integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cg.synchronous_commit();
    IF NOT cg.owner_check(p_group_id, p_fence) THEN
        RETURN false;
    END IF;

    INSERT INTO cg.operations (operation_id, group_id, kind, outcome, open, started_at, ended_at, caller, fence, entry, expires_at)
    VALUES (p_operation_id, p_group_id, p_kind, p_outcome, p_open, p_started_at, p_ended_at, p_caller, p_fence, p_entry,
            CASE WHEN p_open THEN NULL ELSE clock_timestamp() + p_retention_ms * interval '1 millisecond' END)
    ON CONFLICT (operation_id) DO UPDATE
        SET group_id = excluded.group_id, kind = excluded.kind, outcome = excluded.outcome, open = excluded.open,
            started_at = excluded.started_at, ended_at = excluded.ended_at, caller = excluded.caller,
            fence = excluded.fence, entry = excluded.entry, expires_at = excluded.expires_at;

    IF p_desired_present IS NOT NULL OR p_release_owner IS NOT NULL THEN
        UPDATE cg.groups g
           SET desired_present = coalesce(p_desired_present, g.desired_present),
               desired_operation_id = CASE WHEN p_desired_present IS NULL THEN g.desired_operation_id ELSE p_operation_id END,
               lease_owner = CASE WHEN g.lease_owner = p_release_owner THEN NULL ELSE g.lease_owner END,
               lease_expires_at = CASE WHEN g.lease_owner = p_release_owner THEN NULL ELSE g.lease_expires_at END
         WHERE g.group_id = p_group_id;
    END IF;

    IF p_prune > 0 THEN
        DELETE FROM cg.operations
         WHERE operation_id IN (SELECT operation_id FROM cg.operations
                                 WHERE expires_at <= clock_timestamp()
                                 ORDER BY expires_at LIMIT p_prune FOR UPDATE SKIP LOCKED);
    END IF;

    RETURN true;
END $$;

-- A lease without an operation (RedisGroupLocks' Take script): the token raised to the last one + 1, at least
-- p_clock_us (microseconds since 1970, so tokens keep growing even if this table were lost), and the lease taken.
-- The new token, or null when the lease is held.
CREATE FUNCTION cg.take_lease(p_group_id text, p_owner text, p_lease_ms integer, p_clock_us bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    token bigint;
BEGIN
    PERFORM cg.synchronous_commit();
    LOOP
        UPDATE cg.groups g
           SET fence = greatest(g.fence + 1, p_clock_us), lease_owner = p_owner,
               lease_expires_at = clock_timestamp() + p_lease_ms * interval '1 millisecond'
         WHERE g.group_id = p_group_id AND (g.lease_owner IS NULL OR g.lease_expires_at <= clock_timestamp())
        RETURNING g.fence INTO token;
        IF FOUND THEN
            RETURN token;
        END IF;

        IF EXISTS (SELECT 1 FROM cg.groups WHERE group_id = p_group_id) THEN
            RETURN NULL;
        END IF;

        INSERT INTO cg.groups (group_id, fence, lease_owner, lease_expires_at)
        VALUES (p_group_id, greatest(1, p_clock_us), p_owner, clock_timestamp() + p_lease_ms * interval '1 millisecond')
        ON CONFLICT (group_id) DO NOTHING
        RETURNING fence INTO token;
        IF FOUND THEN
            RETURN token;
        END IF;
    END LOOP;
END $$;

-- Renewal (LockExtend): only while p_owner still holds the lease and it has not expired. False: lost.
CREATE FUNCTION cg.extend_lease(p_group_id text, p_owner text, p_lease_ms integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cg.synchronous_commit();
    UPDATE cg.groups
       SET lease_expires_at = clock_timestamp() + p_lease_ms * interval '1 millisecond'
     WHERE group_id = p_group_id AND lease_owner = p_owner AND lease_expires_at > clock_timestamp();
    RETURN FOUND;
END $$;

-- Compare-and-delete: never frees a lease another owner has taken since.
CREATE FUNCTION cg.release_lease(p_group_id text, p_owner text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cg.synchronous_commit();
    UPDATE cg.groups SET lease_owner = NULL, lease_expires_at = NULL
     WHERE group_id = p_group_id AND lease_owner = p_owner;
    RETURN FOUND;
END $$;

-- Reads. An entry past its retention reads as gone even before it is pruned (as a Redis key past its expiry).
CREATE FUNCTION cg.operation(p_operation_id text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT entry FROM cg.operations
     WHERE operation_id = p_operation_id AND (expires_at IS NULL OR expires_at > clock_timestamp());
$$;

-- The group's last operation, in one round trip (the pointer and the entry).
CREATE FUNCTION cg.last_operation(p_group_id text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT o.entry FROM cg.groups g JOIN cg.operations o ON o.operation_id = g.last_operation_id
     WHERE g.group_id = p_group_id AND (o.expires_at IS NULL OR o.expires_at > clock_timestamp());
$$;

-- Open operations (running or pending repair), oldest first.
CREATE FUNCTION cg.open_operations() RETURNS SETOF jsonb
LANGUAGE sql STABLE AS $$
    SELECT entry FROM cg.operations WHERE open ORDER BY started_at, operation_id;
$$;

-- The desired state of the given groups (those that have one).
CREATE FUNCTION cg.desired_states(p_group_ids text[])
RETURNS TABLE (group_id text, present boolean, operation_id text)
LANGUAGE sql STABLE AS $$
    SELECT g.group_id, g.desired_present, g.desired_operation_id FROM cg.groups g
     WHERE g.group_id = ANY (p_group_ids) AND g.desired_present IS NOT NULL;
$$;

-- The operator's search: newest first, every filter optional, at most p_limit rows after the cursor
-- (p_after_started_at, p_after_id). The statement is built from the filters given, so that each search is planned
-- on the index of its most selective filter (group, caller, outcome, open, or start).
CREATE FUNCTION cg.search_operations(p_group_id text, p_outcome text, p_open_only boolean, p_caller text,
                                     p_since timestamptz, p_after_started_at timestamptz, p_after_id text,
                                     p_limit integer)
RETURNS TABLE (operation_id text, started_at timestamptz, entry jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    query text := 'SELECT o.operation_id, o.started_at, o.entry FROM cg.operations o'
               || ' WHERE (o.expires_at IS NULL OR o.expires_at > clock_timestamp())';
BEGIN
    IF p_group_id IS NOT NULL THEN query := query || ' AND o.group_id = $1'; END IF;
    IF p_outcome IS NOT NULL THEN query := query || ' AND o.outcome = $2'; END IF;
    IF p_open_only THEN query := query || ' AND o.open'; END IF;
    IF p_caller IS NOT NULL THEN query := query || ' AND o.caller = $4'; END IF;
    IF p_since IS NOT NULL THEN query := query || ' AND o.started_at >= $5'; END IF;
    IF p_after_started_at IS NOT NULL THEN
        query := query || ' AND (o.started_at, o.operation_id) < ($6, $7)';
    END IF;
    query := query || ' ORDER BY o.started_at DESC, o.operation_id DESC LIMIT $8';
    RETURN QUERY EXECUTE query
        USING p_group_id, p_outcome, p_open_only, p_caller, p_since, p_after_started_at, p_after_id, p_limit;
END $$;
