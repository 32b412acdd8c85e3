namespace ClusterGroups.Api.Coordinator;

// The coordinator's store could not be reached, or did not answer in time, whatever kind of store it is. A write
// whose answer never came may have taken effect: the caller treats it as unknown, never as done or not done.
public sealed class CoordinatorStoreException(string message, Exception? inner = null) : Exception(message, inner);
