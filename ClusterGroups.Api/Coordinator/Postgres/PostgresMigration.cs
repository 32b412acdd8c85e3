namespace ClusterGroups.Api.Coordinator.Postgres;

// One migration of the coordinator's schema: its number (cg.schema_version.version), its name and its SQL.
// OldestReader: the oldest schema version an Api may know and still use a database with this migration applied
// (`-- oldest reader: N` in the file); null: only Apis that know this migration.
public sealed record PostgresMigration(int Version, string Name, string Sql, int? OldestReader = null);
