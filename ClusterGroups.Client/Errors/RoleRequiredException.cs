namespace ClusterGroups.Client;

/// <summary>403: the key is valid but its role (read, write, admin) does not allow the request; nothing was done.</summary>
public sealed class RoleRequiredException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The key's role does not allow {answer.Request}: {answer.Reason}.");
