namespace Spillway.Bench.Stream;

/// <summary>What <c>spillway bench stream</c> measures; every contender gets the same records.</summary>
public sealed record StreamBenchmarkOptions
{
    /// <summary>Empty directory for the engine's data and the fdatasync baseline's file. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>100-byte records per run. Defaults to 200,000.</summary>
    public int SmallRecords { get; init; } = 200_000;

    /// <summary>4 KiB records per run. Defaults to 500,000 (2 GiB, the size `dd bs=1M count=2000 conv=fdatasync` measures
    /// a disk's sequential bandwidth with): a run of 200 MiB ends inside the bursts a virtual disk absorbs at memory
    /// speed and times those, not the disk.</summary>
    public int LargeRecords { get; init; } = 500_000;

    /// <summary>Records per put: a PutRecords call holds at most 500, so the in-process puts take the same batches.
    /// Defaults to 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Concurrent producers, each with one batch in flight. Defaults to 4.</summary>
    public int Producers { get; init; } = 4;

    /// <summary>Shards of the engine's stream (and of the Kinesis API's). Defaults to 1, as RabbitMQ's one stream queue
    /// is one ordered log.</summary>
    public int Shards { get; init; } = 1;

    /// <summary>Rounds; each runs every contender once per record size, in an order that rotates. Defaults to 3.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>The RabbitMQ broker for the stream-queue baseline; null skips it.</summary>
    public Uri? Amqp { get; init; }

    /// <summary>A Spillway server whose Kinesis API to measure (its main listener); null skips that path.</summary>
    public Uri? Kinesis { get; init; }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SmallRecords, 1, "--records");
        ArgumentOutOfRangeException.ThrowIfLessThan(LargeRecords, 1, "--records-4k");
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, "--batch");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, 500, "--batch");
        ArgumentOutOfRangeException.ThrowIfLessThan(Producers, 1, "--producers");
        ArgumentOutOfRangeException.ThrowIfLessThan(Shards, 1, "--shards");
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1, "--rounds");
    }
}
