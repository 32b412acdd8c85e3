-- A key's request refused because its Request-Deadline passed before it began (issue 26): the key is claimed for a
-- refusal ("<kind> <groupId> -"), kept for the key window, so that a try of the same request still on its way begins
-- nothing and a retry is answered "deadline passed" rather than run. Null: recorded. Otherwise the request that
-- already holds the key (an operation begun: the caller is answered with it; or an earlier refusal).
CREATE FUNCTION cg.refuse_key(p_scope text, p_key text, p_request text, p_window_ms bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    holder text;
BEGIN
    holder := cg.claim_key(p_scope, p_key, p_request, '-');
    IF holder IS NOT NULL THEN
        RETURN holder;
    END IF;

    UPDATE cg.idempotency_keys
       SET expires_at = clock_timestamp() + p_window_ms * interval '1 millisecond'
     WHERE scope = p_scope AND key = p_key AND operation_id = '-';
    RETURN NULL;
END $$;
