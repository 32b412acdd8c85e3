using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts;

/// <summary>The body of <c>POST /v1/group/</c> and <c>DELETE /v1/group/</c>: <c>{"groupId": "..."}</c>.</summary>
/// <param name="GroupId">The group's id (<see cref="Contracts.GroupId.Rule"/>).</param>
public sealed record GroupRequest([property: JsonPropertyName("groupId"), JsonRequired] string GroupId);
