-- Replicas' announcements (issue 28), as the Redis coordinator's cg:replica:{replica}: the protocol version each Api
-- replica runs and the journal version it reads, live until expires_at by the database's clock unless renewed.
-- oldest reader: 4
-- (An Api that knows schema version 4 may keep using a database migrated to this version: it only adds a table and
-- functions an Api of version 4 never calls, so replicas of both versions run side by side in a rolling upgrade.)
CREATE TABLE cg.replicas (
    replica      text COLLATE "C" PRIMARY KEY,
    announcement jsonb NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- Which Api versions a migration leaves working: the oldest schema version an Api may know and still use the
-- database (null: only Apis that know this migration). Read by an Api that finds the schema newer than it knows.
ALTER TABLE cg.schema_version ADD COLUMN oldest_reader integer;

CREATE FUNCTION cg.announce(p_replica text, p_announcement jsonb, p_ttl_ms integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cg.replicas (replica, announcement, expires_at)
    VALUES (p_replica, p_announcement, clock_timestamp() + p_ttl_ms * interval '1 millisecond')
    ON CONFLICT (replica) DO UPDATE SET announcement = excluded.announcement, expires_at = excluded.expires_at;
    -- Announcements expired for a day are of no one: kept only so long for the operator's eyes.
    DELETE FROM cg.replicas WHERE expires_at < clock_timestamp() - interval '1 day';
END $$;
