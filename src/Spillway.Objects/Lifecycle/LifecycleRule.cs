namespace Spillway.Objects.Lifecycle;

/// <summary>
/// One rule of a bucket's lifecycle, as S3 has it: objects under <see cref="Prefix"/> move to the archive tier
/// <see cref="ArchiveAfterDays"/> days after they were written and are deleted <see cref="ExpireAfterDays"/> days after.
/// As in S3, a day count is rounded up to the next midnight UTC: an object written on 1 January at 10:30 with a
/// three-day rule is due on 5 January at 00:00.
/// </summary>
public sealed record LifecycleRule
{
    /// <summary>The most rules a bucket takes, S3's limit.</summary>
    public const int MaxRulesPerBucket = 1000;

    /// <summary>The rule's name, up to 255 characters, unique in its bucket.</summary>
    public required string Id { get; init; }

    /// <summary>Keys the rule applies to. Defaults to every key.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Whether the rule runs (S3's <c>Status</c> Enabled or Disabled). Defaults to true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Days after which an object moves to the archive tier, compressed; null for never.</summary>
    public int? ArchiveAfterDays { get; init; }

    /// <summary>Days after which an object is deleted; null for never.</summary>
    public int? ExpireAfterDays { get; init; }

    /// <summary>When an object written at <paramref name="written"/> is due under a rule of <paramref name="days"/> days.</summary>
    public static DateTimeOffset DueAt(DateTimeOffset written, int days)
    {
        var day = new DateTimeOffset(written.UtcDateTime.Date, TimeSpan.Zero);
        return day.AddDays(days + 1);
    }

    /// <summary>Throws <see cref="ObjectError.MalformedLifecycle"/> unless the rules are ones S3 would take.</summary>
    public static void Check(IReadOnlyList<LifecycleRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Count > MaxRulesPerBucket)
        {
            throw Malformed($"A lifecycle configuration takes at most {MaxRulesPerBucket} rules.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (string.IsNullOrEmpty(rule.Id) || rule.Id.Length > 255 || !ids.Add(rule.Id))
            {
                throw Malformed("Each rule needs an ID of 1 to 255 characters, unique in the configuration.");
            }

            if (rule.ArchiveAfterDays is null && rule.ExpireAfterDays is null)
            {
                throw Malformed($"Rule '{rule.Id}' must specify at least one action (a transition or an expiration).");
            }

            if (rule.ArchiveAfterDays is < 0 || rule.ExpireAfterDays is < 1)
            {
                throw Malformed($"Rule '{rule.Id}': a transition takes 0 or more days, an expiration 1 or more.");
            }

            if (rule.ArchiveAfterDays is { } archive && rule.ExpireAfterDays is { } expire && expire <= archive)
            {
                throw Malformed($"Rule '{rule.Id}': the expiration must come after the transition ({expire} <= {archive} days).");
            }
        }
    }

    private static ObjectStoreException Malformed(string message) => new(ObjectError.MalformedLifecycle, message);
}
