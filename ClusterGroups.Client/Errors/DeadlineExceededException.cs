namespace ClusterGroups.Client;

/// <summary>
/// 504 from the Api: the request's <c>Request-Deadline</c> had passed before its operation could start; nothing was
/// done. (An operation that started is always finished, whatever the deadline.)
/// </summary>
public sealed class DeadlineExceededException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The Api started nothing: the request's deadline had passed ({answer.Reason}).");
