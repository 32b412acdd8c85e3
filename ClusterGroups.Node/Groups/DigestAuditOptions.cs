using System.ComponentModel.DataAnnotations;

namespace ClusterGroups.Node.Groups;

public sealed class DigestAuditOptions
{
    // How often the node compares its digest with its data (HLEN groups against the digest's total, in one script);
    // 00:00:00 checks only at start. Every digest read checks the same anyway (GET /v1/digest answers 409 when they
    // disagree): this puts it in the node's log without anyone asking.
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan AuditInterval { get; set; } = TimeSpan.FromMinutes(5);
}
