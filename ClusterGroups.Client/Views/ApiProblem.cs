namespace ClusterGroups.Client;

/// <summary>
/// An error answer of the Api (<c>application/problem+json</c>, RFC 9457), with the extension members the client
/// reads: an operation's outcome word (<c>Busy</c> for a group whose lease was not obtained) and operation id.
/// </summary>
/// <param name="Type">The problem type.</param>
/// <param name="Title">A short title.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What went wrong, in a sentence.</param>
/// <param name="Outcome">The <c>outcome</c> member, where the Api sets one.</param>
/// <param name="OperationId">The <c>operationId</c> member: the operation the answer is about.</param>
public sealed record ApiProblem(string? Type, string? Title, int? Status, string? Detail, string? Outcome = null, string? OperationId = null);
