namespace ClusterGroups.Client;

/// <summary>400: the Api refused the input (an invalid groupId, a bad query); nothing was done.</summary>
public sealed class InvalidRequestException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The Api refused the input: {answer.Reason}.");
