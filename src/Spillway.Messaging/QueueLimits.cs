namespace Spillway.Messaging;

/// <summary>
/// SQS's limits and name rules for queues, stated once: the engine validates definitions and requests against them, and
/// every other layer (the SQS API, the host's configuration, workers, CLI help) reads them from here instead of restating
/// them. Seconds are given as integers for the APIs that speak seconds, and as <see cref="TimeSpan"/>s for the engine.
/// </summary>
public static class QueueLimits
{
    /// <summary>A queue name's longest length, ".fifo" included: 80.</summary>
    public const int MaxNameLength = 80;

    /// <summary>The suffix a FIFO queue's name ends in.</summary>
    public const string FifoSuffix = ".fifo";

    /// <summary>The longest visibility timeout: 12 hours (43,200 s).</summary>
    public const int MaxVisibilityTimeoutSeconds = 43_200;

    /// <summary>The longest delivery delay, per queue or per message: 900 s (15 minutes).</summary>
    public const int MaxDelaySeconds = 900;

    /// <summary>The shortest message retention period: 60 s.</summary>
    public const int MinRetentionSeconds = 60;

    /// <summary>The longest message retention period: 14 days (1,209,600 s).</summary>
    public const int MaxRetentionSeconds = 1_209_600;

    /// <summary>The smallest maximum message size a queue may set: 1 KiB.</summary>
    public const int MinMessageSize = 1024;

    /// <summary>The largest message size: 1 MiB, body and attributes together.</summary>
    public const int MaxMessageSize = 1024 * 1024;

    /// <summary>The lowest <see cref="RedrivePolicy.MaxReceiveCount"/>: 1.</summary>
    public const int MinMaxReceiveCount = 1;

    /// <summary>The highest <see cref="RedrivePolicy.MaxReceiveCount"/>: 1,000.</summary>
    public const int MaxMaxReceiveCount = 1000;

    /// <summary>The longest long poll: 20 s.</summary>
    public const int MaxWaitTimeSeconds = 20;

    /// <summary>The most entries in one SQS batch request (send, delete, change visibility): 10.</summary>
    public const int MaxBatchEntries = 10;

    /// <summary>The most messages one SQS ReceiveMessage returns: 10.</summary>
    public const int MaxReceiveMessages = 10;

    /// <summary>The most message attributes one message carries: 10.</summary>
    public const int MaxMessageAttributes = 10;

    /// <summary>
    /// The prefix of message attribute names reserved for system attributes an API carries with a message (SQS's
    /// AWSTraceHeader): SQS refuses it on user attributes, and such attributes do not count toward
    /// <see cref="MaxMessageAttributes"/>.
    /// </summary>
    public const string SystemAttributePrefix = "AWS.";

    /// <summary>The most tags a queue carries: 50.</summary>
    public const int MaxTags = 50;

    /// <summary>A tag key's longest length: 128.</summary>
    public const int MaxTagKeyLength = 128;

    /// <summary>A tag value's longest length: 256.</summary>
    public const int MaxTagValueLength = 256;

    /// <summary>The most source queues a byQueue redrive allow policy names: 10.</summary>
    public const int MaxRedriveSourceQueues = 10;

    /// <summary><see cref="MaxVisibilityTimeoutSeconds"/> as a time span.</summary>
    public static TimeSpan MaxVisibilityTimeout { get; } = TimeSpan.FromSeconds(MaxVisibilityTimeoutSeconds);

    /// <summary><see cref="MaxDelaySeconds"/> as a time span.</summary>
    public static TimeSpan MaxDelay { get; } = TimeSpan.FromSeconds(MaxDelaySeconds);

    /// <summary><see cref="MinRetentionSeconds"/> as a time span.</summary>
    public static TimeSpan MinRetention { get; } = TimeSpan.FromSeconds(MinRetentionSeconds);

    /// <summary><see cref="MaxRetentionSeconds"/> as a time span.</summary>
    public static TimeSpan MaxRetention { get; } = TimeSpan.FromSeconds(MaxRetentionSeconds);

    /// <summary><see cref="MaxWaitTimeSeconds"/> as a time span.</summary>
    public static TimeSpan MaxWaitTime { get; } = TimeSpan.FromSeconds(MaxWaitTimeSeconds);

    /// <summary>The queue name rule in words, for error messages.</summary>
    public const string NameRule = "1-80 letters, digits, '-' or '_' (a FIFO queue's ending in '.fifo', which counts toward the 80)";

    /// <summary>True when <paramref name="name"/> ends in <see cref="FifoSuffix"/>.</summary>
    public static bool IsFifoName(string? name) => name?.EndsWith(FifoSuffix, StringComparison.Ordinal) == true;

    /// <summary>Whether <paramref name="name"/> is a valid queue name: <see cref="NameRule"/>.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return false;
        }

        var stem = IsFifoName(name) ? name.AsSpan(0, name.Length - FifoSuffix.Length) : name.AsSpan();
        if (stem.IsEmpty)
        {
            return false;
        }

        foreach (var c in stem)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
