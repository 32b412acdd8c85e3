-- Idempotency-Key (issue 26), as the Redis coordinator's cg:idem:{scope}:{key}: a caller's key names the request it
-- was first sent with and the operation that request began ("<kind> <groupId> <operationId>", KeyedRequest). Kept
-- while that operation is open (expires_at null) and for the key window after its close, by the database's clock.
CREATE TABLE cg.idempotency_keys (
    scope      text NOT NULL,
    key        text NOT NULL,
    request    text NOT NULL,
    operation_id text NOT NULL,
    expires_at timestamptz,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON cg.idempotency_keys (expires_at) WHERE expires_at IS NOT NULL;

-- Claims a key for an operation about to begin. Null: claimed (nobody holds it, or its window ran out). Otherwise the
-- request that holds it. A concurrent claim of the same key waits on the row and then sees it.
CREATE FUNCTION cg.claim_key(p_scope text, p_key text, p_request text, p_operation_id text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    claimed text;
BEGIN
    INSERT INTO cg.idempotency_keys AS k (scope, key, request, operation_id, expires_at)
    VALUES (p_scope, p_key, p_request, p_operation_id, NULL)
    ON CONFLICT (scope, key) DO UPDATE
        SET request = excluded.request, operation_id = excluded.operation_id, expires_at = NULL
        WHERE k.expires_at IS NOT NULL AND k.expires_at <= clock_timestamp()
    RETURNING k.operation_id INTO claimed;
    IF claimed IS NOT NULL THEN
        RETURN NULL;
    END IF;

    RETURN (SELECT k.request FROM cg.idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key);
END $$;

-- cg.start for an operation that carries a key: the key first (an earlier request's answers 'keyed' and nothing else
-- is done, not even the lease taken); then the start, and the claim is kept only if it began the operation.
CREATE FUNCTION cg.start_keyed(p_scope text, p_key text, p_request text,
                               p_group_id text, p_fence bigint, p_owner text, p_lease_ms integer, p_begin boolean,
                               p_operation_id text, p_kind text, p_outcome text, p_started_at timestamptz,
                               p_caller text, p_entry jsonb, OUT answer text, OUT value text)
LANGUAGE plpgsql AS $$
DECLARE
    holder text;
    started record;
BEGIN
    holder := cg.claim_key(p_scope, p_key, p_request, p_operation_id);
    IF holder IS NOT NULL THEN
        answer := 'keyed';
        value := holder;
        RETURN;
    END IF;

    SELECT * INTO started FROM cg.start(p_group_id, p_fence, p_owner, p_lease_ms, p_begin, p_operation_id, p_kind,
                                        p_outcome, p_started_at, p_caller, p_entry);
    IF started.answer <> 'begun' THEN
        DELETE FROM cg.idempotency_keys WHERE scope = p_scope AND key = p_key AND operation_id = p_operation_id;
    END IF;
    answer := started.answer;
    value := started.value;
END $$;

-- cg.begin for an operation that carries a key: '' begun; 'fenced' nothing written; else the request holding the key.
CREATE FUNCTION cg.begin_keyed(p_scope text, p_key text, p_request text,
                               p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                               p_started_at timestamptz, p_caller text, p_entry jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    holder text;
BEGIN
    IF NOT cg.owner_check(p_group_id, p_fence) THEN
        RETURN 'fenced';
    END IF;

    holder := cg.claim_key(p_scope, p_key, p_request, p_operation_id);
    IF holder IS NOT NULL THEN
        RETURN holder;
    END IF;

    PERFORM cg.begin(p_group_id, p_fence, p_operation_id, p_kind, p_outcome, p_started_at, p_caller, p_entry);
    RETURN '';
END $$;

-- A close of an operation that carries a key starts the key's window, in the close's transaction; expired keys are
-- deleted a batch at a time on the way, as expired entries are.
CREATE FUNCTION cg.close_key(p_scope text, p_key text, p_operation_id text, p_window_ms bigint, p_prune integer)
RETURNS void
LANGUAGE sql AS $$
    UPDATE cg.idempotency_keys
       SET expires_at = clock_timestamp() + p_window_ms * interval '1 millisecond'
     WHERE scope = p_scope AND key = p_key AND operation_id = p_operation_id;
    DELETE FROM cg.idempotency_keys
     WHERE (scope, key) IN (SELECT scope, key FROM cg.idempotency_keys
                             WHERE expires_at <= clock_timestamp()
                             ORDER BY expires_at LIMIT p_prune FOR UPDATE SKIP LOCKED);
$$;

-- cg.save for the close of an operation that carries a key: the save, then (if it was not fenced) the key's window.
CREATE FUNCTION cg.close_keyed(p_scope text, p_key text, p_window_ms bigint,
                               p_group_id text, p_fence bigint, p_operation_id text, p_kind text, p_outcome text,
                               p_open boolean, p_started_at timestamptz, p_ended_at timestamptz, p_caller text,
                               p_entry jsonb, p_retention_ms bigint, p_desired_present boolean, p_release_owner text,
                               p_prune integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT cg.save(p_group_id, p_fence, p_operation_id, p_kind, p_outcome, p_open, p_started_at, p_ended_at, p_caller,
                   p_entry, p_retention_ms, p_desired_present, p_release_owner, p_prune) THEN
        RETURN false;
    END IF;

    PERFORM cg.close_key(p_scope, p_key, p_operation_id, p_window_ms, greatest(p_prune, 0));
    RETURN true;
END $$;
