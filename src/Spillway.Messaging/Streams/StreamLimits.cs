namespace Spillway.Messaging.Streams;

/// <summary>
/// Kinesis Data Streams' limits and name rules, stated once: the engine validates definitions and requests against
/// them, and every other layer (the Kinesis API, configuration, the CLI) reads them from here instead of restating them.
/// </summary>
public static class StreamLimits
{
    /// <summary>A stream name's longest length: 128.</summary>
    public const int MaxNameLength = 128;

    /// <summary>The most open shards per stream (Kinesis's default account limit): 500.</summary>
    public const int MaxShards = 500;

    /// <summary>The shards an on-demand stream starts with: 4.</summary>
    public const int OnDemandInitialShards = 4;

    /// <summary>The shortest retention period: 24 hours.</summary>
    public const int MinRetentionHours = 24;

    /// <summary>The longest retention period: 8,760 hours (365 days).</summary>
    public const int MaxRetentionHours = 8760;

    /// <summary>The largest record, data and partition key bytes together: 1 MiB.</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    /// <summary>A partition key's longest length in Unicode characters: 256.</summary>
    public const int MaxPartitionKeyLength = 256;

    /// <summary>The most records in one PutRecords call: 500.</summary>
    public const int MaxPutRecords = 500;

    /// <summary>The largest PutRecords call, data and partition keys together: 5 MiB.</summary>
    public const int MaxPutRecordsBytes = 5 * 1024 * 1024;

    /// <summary>The most records one GetRecords call returns: 10,000.</summary>
    public const int MaxGetRecordsLimit = 10_000;

    /// <summary>The most bytes one GetRecords call returns: 10 MiB.</summary>
    public const long MaxGetRecordsBytes = 10L * 1024 * 1024;

    /// <summary>How long a shard iterator stays valid: 5 minutes.</summary>
    public static TimeSpan IteratorLifetime { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Per-shard write quota when enforced: 1,000 records per second.</summary>
    public const int ShardWriteRecordsPerSecond = 1000;

    /// <summary>Per-shard write quota when enforced: 1 MiB per second.</summary>
    public const int ShardWriteBytesPerSecond = 1024 * 1024;

    /// <summary>Per-shard read quota when enforced: 5 GetRecords calls per second.</summary>
    public const int ShardReadCallsPerSecond = 5;

    /// <summary>Per-shard read quota when enforced: 2 MiB per second.</summary>
    public const int ShardReadBytesPerSecond = 2 * 1024 * 1024;

    /// <summary>The most consumers registered for enhanced fan-out per stream: 20.</summary>
    public const int MaxRegisteredConsumers = 20;

    /// <summary>The most tags a stream carries: 50.</summary>
    public const int MaxTags = 50;

    /// <summary>A tag key's longest length: 128.</summary>
    public const int MaxTagKeyLength = 128;

    /// <summary>A tag value's longest length: 256.</summary>
    public const int MaxTagValueLength = 256;

    /// <summary>A registered consumer's or checkpointing consumer's longest name: 128.</summary>
    public const int MaxConsumerNameLength = 128;

    /// <summary><see cref="MinRetentionHours"/> as a time span.</summary>
    public static TimeSpan MinRetention { get; } = TimeSpan.FromHours(MinRetentionHours);

    /// <summary><see cref="MaxRetentionHours"/> as a time span.</summary>
    public static TimeSpan MaxRetention { get; } = TimeSpan.FromHours(MaxRetentionHours);

    /// <summary>The default retention period: 24 hours.</summary>
    public static TimeSpan DefaultRetention { get; } = TimeSpan.FromHours(24);

    /// <summary>The stream name rule in words, for error messages.</summary>
    public const string NameRule = "1-128 letters, digits, '_', '.' or '-'";

    /// <summary>Whether <paramref name="name"/> is a valid stream name: <see cref="NameRule"/>.</summary>
    public static bool IsValidName(string? name) => IsValidIdentifier(name);

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="name"/> unless it is a valid stream name.</summary>
    public static void ValidateName(string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"Stream name '{name}' is invalid: {NameRule}.", nameof(name));
        }
    }

    /// <summary>Kinesis's rule for stream and consumer names: 1-128 of [a-zA-Z0-9_.-].</summary>
    internal static bool IsValidIdentifier(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
