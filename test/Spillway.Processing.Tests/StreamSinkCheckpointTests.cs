using System.Collections.Concurrent;
using System.Text;
using Spillway.Messaging.Streams;
using Spillway.Sinks;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Processing.Tests;

/// <summary>
/// A stream consumer whose checkpoints the SQL sink keeps (<see cref="SqlSinkHandler.CheckpointsOf"/>, as on RabbitMQ):
/// each batch carries the checkpoint it completes, and the sink commits it with the batch's rows only when no record
/// before the batch is still in hand.
/// </summary>
public sealed class StreamSinkCheckpointTests
{
    private const string Consumer = "worker";

    [Fact]
    public async Task With_one_lane_every_batch_commits_its_last_record_as_the_checkpoint_with_its_rows()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await fixture.Engine.Streams.CreateAsync(new StreamDefinition { Name = "readings" });
        var puts = await stream.PutAsync([.. Enumerable.Range(0, 60).Select(i => new StreamRecordInput(Reading(i), "device-" + i))]);
        await using var sink = await SinkAsync(fixture);
        var sql = new SqlSinkHandler(sink);
        sql.CheckpointsOf("readings");
        var committed = new ConcurrentQueue<(string Last, string? Checkpoint)>();
        var handler = new DelegateHandler(async (batch, ct) =>
        {
            var outcome = await sql.HandleAsync(batch, ct);
            var stored = await sink.ReadCheckpointAsync(Consumer, "readings", batch.Stream!.ShardId, ct);
            committed.Enqueue((batch.Stream.Records[^1].SequenceNumber, stored));
            return outcome;
        });
        await using var consumer = Open(fixture, handler, new StreamConsumerOptions { TimeProvider = clock, BatchSize = 7 });

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => committed.Count == 9, "every batch was written");

        Assert.All(committed, c => Assert.Equal(c.Last, c.Checkpoint));
        Assert.Equal(puts[^1].SequenceNumber, await sink.ReadCheckpointAsync(Consumer, "readings", puts[0].ShardId!));
    }

    [Fact]
    public async Task With_lanes_no_checkpoint_passes_a_record_whose_batch_is_still_being_written()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await fixture.Engine.Streams.CreateAsync(new StreamDefinition { Name = "readings" });
        var puts = await stream.PutAsync([.. Enumerable.Range(0, 40).Select(i => new StreamRecordInput(Reading(i), "device-" + i))]);
        var first = puts[0].SequenceNumber!;
        await using var sink = await SinkAsync(fixture);
        var sql = new SqlSinkHandler(sink);
        sql.CheckpointsOf("readings");
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var others = 0;
        var handler = new DelegateHandler(async (batch, ct) =>
        {
            if (batch.Stream!.Records.Any(r => r.SequenceNumber == first))
            {
                await held.Task.WaitAsync(ct);
            }

            var outcome = await sql.HandleAsync(batch, ct);
            Interlocked.Increment(ref others);
            return outcome;
        });
        await using var consumer = Open(
            fixture, handler, new StreamConsumerOptions { TimeProvider = clock, BatchSize = 40, ParallelizationFactor = 4 });

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => Volatile.Read(ref others) >= 1, "a lane without the first record wrote its batch");

        Assert.Null(await sink.ReadCheckpointAsync(Consumer, "readings", puts[0].ShardId!));
        held.SetResult();
        await Eventually.AssertAsync(() => consumer.GetStatistics().SucceededMessages == 40, "every record was written");
        // The held batch, once written, carried the checkpoint over its own records.
        Assert.NotNull(await sink.ReadCheckpointAsync(Consumer, "readings", puts[0].ShardId!));
    }

    private static async Task<ISqlSink> SinkAsync(QueueFixture fixture)
    {
        var sink = SqlSinkFactory.Create(
            new SqlSinkOptions { Name = "users", DatabaseUrl = "sqlite://" + Path.Combine(fixture.Directory, "spillway.db") });
        await sink.EnsureSchemaAsync();
        return sink;
    }

    private static StreamConsumer Open(QueueFixture fixture, IMessageHandler handler, StreamConsumerOptions options) =>
        new(Consumer, new EmbeddedTransport(fixture.Engine).Streams.OpenSource("readings"), handler, options);

    private static byte[] Reading(int n) => Encoding.UTF8.GetBytes($$"""{"name":"device {{n}}","email":"d{{n}}@example.com"}""");
}
