namespace ClusterGroups.Api.Coordinator.Postgres;

// The coordinator's schema cannot be used by this Api: newer than it knows, or its migrations are not all there.
public sealed class PostgresSchemaException(string message) : Exception(message);
