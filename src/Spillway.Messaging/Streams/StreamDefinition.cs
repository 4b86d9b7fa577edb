namespace Spillway.Messaging.Streams;

/// <summary>Whether a stream's capacity is set by its shard count or follows its traffic.</summary>
public enum StreamMode
{
    /// <summary>The shard count is what the stream was created or resharded with.</summary>
    Provisioned,

    /// <summary>Starts with <see cref="StreamLimits.OnDemandInitialShards"/> shards.</summary>
    OnDemand,
}

/// <summary>A stream's state as Kinesis reports it; the engine answers Active, or Updating while resharding.</summary>
public enum StreamStatus
{
    /// <summary>Being created.</summary>
    Creating,

    /// <summary>Ready for reads and writes.</summary>
    Active,

    /// <summary>A reshard is in progress; reads and writes go on.</summary>
    Updating,

    /// <summary>Being deleted.</summary>
    Deleting,
}

/// <summary>Where a read of a shard starts.</summary>
public enum IteratorStart
{
    /// <summary>The oldest record kept.</summary>
    TrimHorizon,

    /// <summary>Just past the newest record: only records put from now on.</summary>
    Latest,

    /// <summary>The record with the given sequence number, or the first after it.</summary>
    AtSequenceNumber,

    /// <summary>The first record after the given sequence number.</summary>
    AfterSequenceNumber,

    /// <summary>The first record that arrived at or after the given time.</summary>
    AtTimestamp,
}

/// <summary>How a stream is set up: its shards, retention and quotas.</summary>
public sealed record StreamDefinition
{
    /// <summary>The stream's name: <see cref="StreamLimits.NameRule"/>. Required.</summary>
    public required string Name { get; init; }

    /// <summary>Shards at creation, 1..<see cref="StreamLimits.MaxShards"/>; ignored for <see cref="StreamMode.OnDemand"/>,
    /// which starts with <see cref="StreamLimits.OnDemandInitialShards"/>. Defaults to 1.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Provisioned or on-demand; defaults to provisioned, as Kinesis's CreateStream with a shard count.</summary>
    public StreamMode Mode { get; init; } = StreamMode.Provisioned;

    /// <summary>How long records are kept, <see cref="StreamLimits.MinRetention"/>..<see cref="StreamLimits.MaxRetention"/>
    /// in whole hours; defaults to 24 hours, as Kinesis.</summary>
    public TimeSpan Retention { get; init; } = StreamLimits.DefaultRetention;

    /// <summary>Whether the per-shard write and read quotas hold (refusals then report throttling, so producers can
    /// test their back-off); off by default, since a local stream has no reason to slow down.</summary>
    public bool EnforceShardQuotas { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first property that is out of bounds.</summary>
    public void Validate()
    {
        if (!StreamLimits.IsValidName(Name))
        {
            throw new ArgumentException($"Stream name '{Name}' is invalid: {StreamLimits.NameRule}.", nameof(Name));
        }

        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentException($"Stream mode {(int)Mode} is not defined.", nameof(Mode));
        }

        if (Mode == StreamMode.Provisioned && ShardCount is < 1 or > StreamLimits.MaxShards)
        {
            throw new ArgumentException($"Shard count must be 1-{StreamLimits.MaxShards}, not {ShardCount}.", nameof(ShardCount));
        }

        ValidateRetention(Retention, nameof(Retention));
    }

    internal static void ValidateRetention(TimeSpan retention, string parameterName)
    {
        if (retention < StreamLimits.MinRetention || retention > StreamLimits.MaxRetention || retention.Ticks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException(
                $"Retention must be whole hours from {StreamLimits.MinRetentionHours} to {StreamLimits.MaxRetentionHours}, not {retention}.",
                parameterName);
        }
    }
}
