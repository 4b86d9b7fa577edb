using System.Globalization;

namespace Spillway.Sinks.Tests.Compliance;

/// <summary>Stream checkpoints kept in the sink's database: committed with the rows they cover, never moved backwards.</summary>
public abstract partial class SqlSinkCompliance<TDatabase>
{
    private const string Stream = "readings";
    private const string Shard = "shardId-000000000000";

    // Each test its own consumer: the checkpoint table is shared by every test of the class's database.
    private readonly string consumer = "c_" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Rows_and_the_checkpoint_they_complete_commit_together()
    {
        var sink = await ReadySinkAsync();

        var result = await sink.WriteAsync(Batch(0, 300), Checkpoint(300));

        Assert.True(result.CheckpointSaved);
        Assert.Equal(300, result.Inserted);
        Assert.Equal(300L, await CountAsync());
        Assert.Equal(SequenceNumber(300), await sink.ReadCheckpointAsync(consumer, Stream, Shard));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {StreamCheckpoint.Table} WHERE consumer = '{consumer}'"));
    }

    [Fact]
    public async Task A_checkpoint_never_moves_backwards()
    {
        var sink = await ReadySinkAsync();
        await sink.SaveCheckpointAsync(Checkpoint(500));

        var late = await sink.WriteAsync(Batch(0, 100), Checkpoint(100));
        await sink.SaveCheckpointAsync(Checkpoint(400));

        Assert.True(late.CheckpointSaved);
        Assert.Equal(100L, await CountAsync());
        Assert.Equal(SequenceNumber(500), await sink.ReadCheckpointAsync(consumer, Stream, Shard));

        await sink.WriteAsync(Batch(100, 100), Checkpoint(600));
        Assert.Equal(SequenceNumber(600), await sink.ReadCheckpointAsync(consumer, Stream, Shard));
    }

    [Fact]
    public async Task Checkpoints_are_kept_per_consumer_stream_and_shard()
    {
        var sink = await ReadySinkAsync();
        await sink.SaveCheckpointAsync(Checkpoint(7));
        await sink.SaveCheckpointAsync(new StreamCheckpoint(consumer, Stream, "shardId-000000000001", SequenceNumber(9)));
        await sink.SaveCheckpointAsync(new StreamCheckpoint(consumer.ToUpperInvariant(), Stream, Shard, SequenceNumber(11)));

        Assert.Equal(SequenceNumber(7), await sink.ReadCheckpointAsync(consumer, Stream, Shard));
        Assert.Equal(SequenceNumber(9), await sink.ReadCheckpointAsync(consumer, Stream, "shardId-000000000001"));
        Assert.Equal(SequenceNumber(11), await sink.ReadCheckpointAsync(consumer.ToUpperInvariant(), Stream, Shard));
        Assert.Null(await sink.ReadCheckpointAsync(consumer, "other", Shard));
    }

    // The checkpoint statement fails after the rows went in: the transaction takes both back.
    [Fact]
    public async Task A_rolled_back_batch_leaves_neither_its_rows_nor_its_checkpoint()
    {
        var sink = await ReadySinkAsync();
        await sink.SaveCheckpointAsync(Checkpoint(1));
        await ExecuteAsync($"DROP TABLE {StreamCheckpoint.Table}");

        await Assert.ThrowsAnyAsync<Exception>(() => sink.WriteAsync(Batch(0, 200), Checkpoint(200)).AsTask());

        Assert.Equal(0L, await CountAsync());
        var fresh = await ReadySinkAsync();
        Assert.Null(await fresh.ReadCheckpointAsync(consumer, Stream, Shard));
        Assert.True((await fresh.WriteAsync(Batch(0, 200), Checkpoint(200))).CheckpointSaved);
        Assert.Equal(200L, await CountAsync());
    }

    [Fact]
    public async Task A_batch_with_a_rejected_record_writes_the_rest_but_not_the_checkpoint()
    {
        var sink = await ReadySinkAsync();
        var batch = Batch(0, 50).ToList();
        batch.Insert(20, new SinkRecord(Guid.NewGuid(), """{"name":"no email"}"""u8.ToArray(), DateTimeOffset.UtcNow));

        var result = await sink.WriteAsync(batch, Checkpoint(51));

        Assert.False(result.CheckpointSaved);
        Assert.Single(result.Rejected);
        Assert.Equal(50L, await CountAsync());
        Assert.Null(await sink.ReadCheckpointAsync(consumer, Stream, Shard));
    }

    [Fact]
    public async Task A_batch_the_database_refuses_in_part_writes_no_checkpoint()
    {
        var sink = await ReadySinkAsync();
        await ExecuteAsync($"CREATE UNIQUE INDEX ux_{Table} ON {Table} (email)");
        var batch = Batch(0, 30).ToList();
        batch.Insert(12, Record(Guid.NewGuid(), "clash", "user3@example.com"));

        var result = await sink.WriteAsync(batch, Checkpoint(31));

        Assert.False(result.CheckpointSaved);
        Assert.Single(result.Rejected);
        Assert.Equal(30L, await CountAsync());
        Assert.Null(await sink.ReadCheckpointAsync(consumer, Stream, Shard));
    }

    [Fact]
    public async Task A_checkpoint_too_long_for_its_table_is_refused_before_anything_is_written()
    {
        var sink = await ReadySinkAsync();

        await Assert.ThrowsAsync<ArgumentException>(
            () => sink.WriteAsync(Batch(0, 10), new StreamCheckpoint(new string('c', 201), Stream, Shard, SequenceNumber(1))).AsTask());

        Assert.Equal(0L, await CountAsync());
    }

    private StreamCheckpoint Checkpoint(long position) => new(consumer, Stream, Shard, SequenceNumber(position));

    // The engine's shape: a prefix, the position in 20 digits and the shard in 6, so later ones compare greater as text.
    private static string SequenceNumber(long position) => string.Create(CultureInfo.InvariantCulture, $"49{position:D20}{0:D6}");
}
