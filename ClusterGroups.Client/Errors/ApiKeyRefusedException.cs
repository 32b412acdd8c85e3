namespace ClusterGroups.Client;

/// <summary>401: the Api wants a key (<see cref="ClusterGroupsClientOptions.ApiKey"/>), or refused the one sent.</summary>
public sealed class ApiKeyRefusedException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The Api refused the key or wants one ({(int)answer.Status} {answer.Status}).");
