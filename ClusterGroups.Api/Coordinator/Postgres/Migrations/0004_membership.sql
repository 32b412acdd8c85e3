-- Membership (issue 28), as the Redis coordinator's cg:membership: the cluster's nodes with an epoch that only grows.
-- One row, there from the start (epoch 0: no change recorded, Cluster:Nodes all active), so that the start step always
-- has a row to lock: a change (an UPDATE of it) waits for every start that read its epoch to commit, and a start
-- waits for a change in flight; an operation is never begun under an epoch that a committed change has replaced.
CREATE TABLE cg.membership (
    id         integer PRIMARY KEY CHECK (id = 1),
    epoch      bigint NOT NULL,
    membership jsonb
);
INSERT INTO cg.membership (id, epoch, membership) VALUES (1, 0, NULL);

-- The recorded epoch, its row share-locked until the calling transaction ends.
CREATE FUNCTION cg.membership_epoch() RETURNS bigint
LANGUAGE sql AS $$
    SELECT epoch FROM cg.membership WHERE id = 1 FOR SHARE
$$;

-- Compare-and-set: true when the recorded epoch was p_epoch - 1 and p_membership is now recorded.
CREATE FUNCTION cg.change_membership(p_epoch bigint, p_membership jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cg.synchronous_commit();
    UPDATE cg.membership SET epoch = p_epoch, membership = p_membership WHERE id = 1 AND epoch = p_epoch - 1;
    RETURN FOUND;
END $$;

-- cg.start and cg.start_keyed at a membership epoch: ('epoch', the recorded one) and nothing done when it differs.
CREATE FUNCTION cg.start_at(p_epoch bigint,
                            p_group_id text, p_fence bigint, p_owner text, p_lease_ms integer, p_begin boolean,
                            p_operation_id text, p_kind text, p_outcome text, p_started_at timestamptz, p_caller text,
                            p_entry jsonb, OUT answer text, OUT value text)
LANGUAGE plpgsql AS $$
DECLARE
    recorded bigint := cg.membership_epoch();
BEGIN
    IF p_begin AND recorded <> p_epoch THEN
        answer := 'epoch';
        value := recorded::text;
        RETURN;
    END IF;

    SELECT s.answer, s.value INTO answer, value
      FROM cg.start(p_group_id, p_fence, p_owner, p_lease_ms, p_begin, p_operation_id, p_kind, p_outcome, p_started_at,
                    p_caller, p_entry) s;
END $$;

CREATE FUNCTION cg.start_keyed_at(p_epoch bigint, p_scope text, p_key text, p_request text,
                                  p_group_id text, p_fence bigint, p_owner text, p_lease_ms integer, p_begin boolean,
                                  p_operation_id text, p_kind text, p_outcome text, p_started_at timestamptz,
                                  p_caller text, p_entry jsonb, OUT answer text, OUT value text)
LANGUAGE plpgsql AS $$
DECLARE
    recorded bigint := cg.membership_epoch();
BEGIN
    IF p_begin AND recorded <> p_epoch THEN
        answer := 'epoch';
        value := recorded::text;
        RETURN;
    END IF;

    SELECT s.answer, s.value INTO answer, value
      FROM cg.start_keyed(p_scope, p_key, p_request, p_group_id, p_fence, p_owner, p_lease_ms, p_begin, p_operation_id,
                          p_kind, p_outcome, p_started_at, p_caller, p_entry) s;
END $$;

-- cg.begin and cg.begin_keyed at a membership epoch: '' begun, 'fenced' nothing written, 'epoch <recorded>' nothing
-- written (another epoch), else the request holding the operation's key.
CREATE FUNCTION cg.begin_at(p_epoch bigint,
                            p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                            p_started_at timestamptz, p_caller text, p_entry jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    recorded bigint := cg.membership_epoch();
BEGIN
    IF NOT cg.owner_check(p_group_id, p_fence) THEN
        RETURN 'fenced';
    END IF;

    IF recorded <> p_epoch THEN
        RETURN 'epoch ' || recorded::text;
    END IF;

    RETURN CASE WHEN cg.begin(p_group_id, p_fence, p_operation_id, p_kind, p_outcome, p_started_at, p_caller, p_entry)
                THEN '' ELSE 'fenced' END;
END $$;

CREATE FUNCTION cg.begin_keyed_at(p_epoch bigint, p_scope text, p_key text, p_request text,
                                  p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                                  p_started_at timestamptz, p_caller text, p_entry jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    recorded bigint := cg.membership_epoch();
BEGIN
    IF NOT cg.owner_check(p_group_id, p_fence) THEN
        RETURN 'fenced';
    END IF;

    IF recorded <> p_epoch THEN
        RETURN 'epoch ' || recorded::text;
    END IF;

    RETURN cg.begin_keyed(p_scope, p_key, p_request, p_group_id, p_fence, p_operation_id, p_kind, p_outcome, p_started_at,
                          p_caller, p_entry);
END $$;
