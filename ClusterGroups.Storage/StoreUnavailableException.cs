namespace ClusterGroups.Storage;

// The store could not be reached, or did not answer in time: a write's effect is unknown (it may have applied).
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
