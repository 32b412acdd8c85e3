-- The upgrade gate in the membership write (docs/ARCHITECTURE.md, "Upgrades"): a gated change is recorded only while
-- no live replica announces a protocol below the one it needs, checked in the same transaction as the write, so a
-- replica that announces after the Api read the announcements is never missed (the simulator found that race, seed
-- 18046, on the Redis coordinator; the two stores share the rule).
-- oldest reader: 5
-- (An Api that knows schema version 5 or 6 keeps calling cg.change_membership, which stays as it was.)

-- 'recorded'; 'epoch' (the recorded epoch is not p_epoch - 1); or 'older' followed by the live announcements below
-- p_needs, as a JSON array. Nothing is written unless 'recorded'. The row of the membership is locked first, so two
-- changes are ordered; an announcement committed after this read is ordered after the change.
CREATE FUNCTION cg.change_membership_gated(p_epoch bigint, p_membership jsonb, p_needs integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    older jsonb;
BEGIN
    PERFORM cg.synchronous_commit();
    PERFORM 1 FROM cg.membership WHERE id = 1 FOR UPDATE;
    IF p_needs > 0 THEN
        SELECT jsonb_agg(announcement ORDER BY replica) INTO older
        FROM cg.replicas
        WHERE expires_at > clock_timestamp() AND coalesce((announcement->>'protocol')::integer, 0) < p_needs;
        IF older IS NOT NULL THEN
            RETURN 'older ' || older::text;
        END IF;
    END IF;

    UPDATE cg.membership SET epoch = p_epoch, membership = p_membership WHERE id = 1 AND epoch = p_epoch - 1;
    RETURN CASE WHEN FOUND THEN 'recorded' ELSE 'epoch' END;
END $$;
