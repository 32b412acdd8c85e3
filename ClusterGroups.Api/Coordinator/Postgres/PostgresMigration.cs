namespace ClusterGroups.Api.Coordinator.Postgres;

// One migration of the coordinator's schema: its number (cg.schema_version.version), its name and its SQL.
public sealed record PostgresMigration(int Version, string Name, string Sql);
