namespace Spillway.Objects.Events;

/// <summary>Where a bucket's event goes: S3's three kinds of destination.</summary>
public enum ObjectEventTarget
{
    /// <summary>A queue (S3's QueueConfiguration), named by its ARN.</summary>
    Queue,

    /// <summary>A topic (TopicConfiguration), named by its ARN.</summary>
    Topic,

    /// <summary>A function (LambdaFunctionConfiguration): the worker the function ARN names.</summary>
    Function,
}

/// <summary>
/// One notification of a bucket, as S3 has it: events of the named types on keys with the prefix and suffix go to the
/// target in S3's event shape (<see cref="ObjectEventJson"/>).
/// </summary>
public sealed record ObjectEventRule
{
    /// <summary>The most notifications a bucket takes (S3 allows 100 per destination kind).</summary>
    public const int MaxRulesPerBucket = 100;

    /// <summary>The rule's name, unique in its bucket; S3 makes one when none is given.</summary>
    public required string Id { get; init; }

    /// <summary>The kind of destination.</summary>
    public required ObjectEventTarget Target { get; init; }

    /// <summary>The destination's ARN (<c>arn:aws:sqs:…:queue</c>, <c>arn:aws:sns:…:topic</c>,
    /// <c>arn:aws:lambda:…:function:name</c>).</summary>
    public required string TargetArn { get; init; }

    /// <summary>Event types (<c>s3:ObjectCreated:*</c>, <c>s3:ObjectCreated:Put</c>,
    /// <c>s3:ObjectCreated:CompleteMultipartUpload</c>, <c>s3:ObjectRemoved:*</c>, <c>s3:ObjectRemoved:Delete</c>); at
    /// least one.</summary>
    public required IReadOnlyList<string> Events { get; init; }

    /// <summary>Only keys that start with it. Defaults to every key.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Only keys that end with it. Defaults to every key.</summary>
    public string Suffix { get; init; } = string.Empty;

    /// <summary>The event types a rule can name, S3's for the events this store raises.</summary>
    public static IReadOnlyList<string> KnownEvents { get; } =
    [
        "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
    ];

    /// <summary>Whether an event named <paramref name="eventName"/> (<c>ObjectCreated:Put</c>) on <paramref name="key"/>
    /// is one this rule sends.</summary>
    public bool Matches(string eventName, string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal)
        && key.EndsWith(Suffix, StringComparison.Ordinal)
        && Events.Any(e => Covers(e, eventName));

    /// <summary>Throws <see cref="ObjectError.InvalidArgument"/> unless the rules are ones S3 would take: known event
    /// types, unique ids, and no two rules that could both send one event (S3's "configurations overlap").</summary>
    public static void Check(IReadOnlyList<ObjectEventRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Count > MaxRulesPerBucket)
        {
            throw Invalid($"A notification configuration takes at most {MaxRulesPerBucket} rules.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (string.IsNullOrEmpty(rule.Id) || rule.Id.Length > 255 || !ids.Add(rule.Id))
            {
                throw Invalid("Each notification needs an Id of 1 to 255 characters, unique in the configuration.");
            }

            if (rule.Events.Count == 0)
            {
                throw Invalid($"Notification '{rule.Id}' names no event type.");
            }

            if (rule.Events.FirstOrDefault(e => !KnownEvents.Contains(e, StringComparer.Ordinal)) is { } unknown)
            {
                throw Invalid($"The event is not supported for notifications: {unknown}");
            }

            if (string.IsNullOrWhiteSpace(rule.TargetArn))
            {
                throw Invalid($"Notification '{rule.Id}' names no destination.");
            }
        }

        for (var i = 0; i < rules.Count; i++)
        {
            for (var j = i + 1; j < rules.Count; j++)
            {
                if (Overlap(rules[i], rules[j]))
                {
                    throw Invalid(
                        $"Configurations overlap. Configurations on the same bucket cannot share a common event type " +
                        $"('{rules[i].Id}' and '{rules[j].Id}').");
                }
            }
        }
    }

    private static bool Covers(string pattern, string eventName) =>
        pattern.EndsWith(":*", StringComparison.Ordinal)
            ? eventName.StartsWith(pattern.AsSpan(3, pattern.Length - 4), StringComparison.Ordinal)
            : pattern.AsSpan(3).SequenceEqual(eventName);

    /// <summary>Two rules overlap when one event could match both: a shared event type and keys that can meet both
    /// prefixes (one is a prefix of the other) and both suffixes (one is a suffix of the other).</summary>
    private static bool Overlap(ObjectEventRule a, ObjectEventRule b)
    {
        var sharedEvent = a.Events.Any(x => b.Events.Any(y =>
            x == y || (x.EndsWith(":*", StringComparison.Ordinal) && y.StartsWith(x[..^1], StringComparison.Ordinal))
            || (y.EndsWith(":*", StringComparison.Ordinal) && x.StartsWith(y[..^1], StringComparison.Ordinal))));
        var prefixes = a.Prefix.StartsWith(b.Prefix, StringComparison.Ordinal) || b.Prefix.StartsWith(a.Prefix, StringComparison.Ordinal);
        var suffixes = a.Suffix.EndsWith(b.Suffix, StringComparison.Ordinal) || b.Suffix.EndsWith(a.Suffix, StringComparison.Ordinal);
        return sharedEvent && prefixes && suffixes;
    }

    private static ObjectStoreException Invalid(string message) => new(ObjectError.InvalidArgument, message);
}
