-- The timeline guard (docs/ARCHITECTURE.md, "A PostgreSQL coordinator", hazard 7): a promotion starts a new, higher
-- timeline; a primary paused before it and resumed after it is a second primary still on the old one, whose writes
-- the promoted one will never have. PostgresCoordinator sends this check before each of its statements, in the same
-- round trip and implicit transaction (an Npgsql batch), with the highest timeline the Api has seen a primary on.
-- oldest reader: 5
-- (An Api that knows schema version 5 never calls it: replicas of both versions run side by side.)

-- This primary's timeline (the first 8 hex digits of its current WAL file's name), or raises CGT01 when it is below
-- p_seen: the transaction fails there and the statement after this one never runs, so nothing is read or written on
-- the old primary. Null on a standby (in recovery): it takes no write, and its timeline is not the one it will write.
CREATE FUNCTION cg.check_timeline(p_seen bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    current_timeline bigint;
BEGIN
    IF pg_is_in_recovery() THEN
        RETURN NULL;
    END IF;

    current_timeline := ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint;
    IF current_timeline < p_seen THEN
        RAISE EXCEPTION 'this primary is on timeline %, below timeline % on which the client has already seen a primary: it is an old primary left running after a failover (fence it); nothing was done here',
            current_timeline, p_seen
            USING ERRCODE = 'CGT01';
    END IF;

    RETURN current_timeline;
END $$;
