using System.ComponentModel.DataAnnotations;

namespace ClusterGroups.Node.Chaos;

// Chaos:* — set at start (the AppHost passes -- --Chaos:FaultRate=0.1 to every node) and replaced at run time
// through PUT /admin/chaos. FaultRate is the combined rate, spread evenly over the kinds not given their own rate.
public sealed class ChaosSettings : IValidatableObject
{
    [Range(0.0, 1.0)]
    public double FaultRate { get; set; }

    [Range(0.0, 1.0)] public double? ErrorBeforeApply { get; set; }
    [Range(0.0, 1.0)] public double? ErrorAfterApply { get; set; }
    [Range(0.0, 1.0)] public double? TimeoutBeforeApply { get; set; }
    [Range(0.0, 1.0)] public double? TimeoutAfterApply { get; set; }
    [Range(0.0, 1.0)] public double? DropConnection { get; set; }
    [Range(0.0, 1.0)] public double? Unavailable { get; set; }
    [Range(0.0, 1.0)] public double? DelayBeforeApply { get; set; }

    // Which requests may be hit: HTTP methods (empty: all), on the /v1 routes only (health, info and admin never are).
    // "ABORT" names the Api's abort calls (POST /v1/group/{id}/abort), so Methods=POST hits group writes only.
    // Empty by default rather than listing all three: the configuration binder appends to a list's initial items, so
    // Chaos:Methods:0=DELETE would otherwise still hit GET and POST.
    public List<string> Methods { get; set; } = [];

    // How long a "timeout" fault holds the answer, and a "delay" fault the request; longer than the Api's attempt timeout.
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(3);

    [Range(0, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    public const string Abort = "ABORT";

    public double RateOf(FaultKind kind) =>
        Own(kind) ?? FaultRate / Math.Max(1, FaultKinds.All.Count(k => Own(k) is null));

    private double? Own(FaultKind kind) => kind switch
    {
        FaultKind.ErrorBeforeApply => ErrorBeforeApply,
        FaultKind.ErrorAfterApply => ErrorAfterApply,
        FaultKind.TimeoutBeforeApply => TimeoutBeforeApply,
        FaultKind.TimeoutAfterApply => TimeoutAfterApply,
        FaultKind.DropConnection => DropConnection,
        FaultKind.Unavailable => Unavailable,
        FaultKind.DelayBeforeApply => DelayBeforeApply,
        _ => 0,
    };

    public bool Covers(string method) => Methods.Count == 0 || Methods.Contains(method, StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var unknown = Methods.Where(m => m.ToUpperInvariant() is not ("GET" or "POST" or "DELETE" or Abort)).ToList();
        if (unknown.Count > 0)
        {
            yield return new ValidationResult($"Methods may hold GET, POST, DELETE, ABORT; not {string.Join(", ", unknown)}.", [nameof(Methods)]);
        }
    }
}
