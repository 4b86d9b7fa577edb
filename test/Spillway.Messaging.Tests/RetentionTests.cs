using System.Text;

namespace Spillway.Messaging.Tests;

/// <summary>
/// Retention reaches every message, not only those at the head: a message moved into a dead-letter queue keeps its
/// original sent time (as in SQS), so it may expire while a younger message before it lives on.
/// </summary>
public sealed class RetentionTests : EngineTestBase
{
    protected override long SegmentSize => 64 * 1024;

    protected override long BodyCacheBytes => 0;

    /// <summary>A source queue whose messages move on their second receive to a dead-letter queue keeping them 1 hour.</summary>
    private async Task<(MessageQueue Source, MessageQueue DeadLetters)> CreatePair()
    {
        var deadLetters = await Engine.CreateQueueAsync(
            new QueueDefinition { Name = "late-dlq", MessageRetentionPeriod = TimeSpan.FromHours(1) });
        var source = await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "late",
            VisibilityTimeout = TimeSpan.FromSeconds(10),
            RedrivePolicy = new RedrivePolicy("late-dlq", 1),
        });
        return (source, deadLetters);
    }

    [Fact]
    public async Task Expired_messages_behind_a_younger_long_lived_head_are_not_received_not_counted_and_their_space_is_freed()
    {
        var (source, deadLetters) = await CreatePair();
        var body = new string('o', 1000);
        await Send(source, [.. Enumerable.Range(0, 200).Select(i => $"old-{i}-{body}")]);
        Clock.Advance(TimeSpan.FromMinutes(50));

        // The dead-letter queue's head: sent 50 minutes after the others, in flight for hours.
        await Send(deadLetters, "young");
        Assert.Equal("young", Text(Assert.Single(await Receive(deadLetters, visibility: TimeSpan.FromHours(12)))));

        // The old messages fail once and move behind it, keeping their sent time.
        Assert.Equal(200, (await Receive(source, max: 500)).Count);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await Receive(source, max: 500));
        Assert.Equal(new QueueCounts(200, 1, 0, Clock.GetUtcNow().AddMinutes(-50).AddSeconds(-10)), deadLetters.GetCounts());
        Assert.True(SegmentBytes("late-dlq") > 3 * 64 * 1024, $"only {SegmentBytes("late-dlq")} bytes were moved in");

        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, deadLetters.GetCounts().InFlight);
        Assert.Equal(0, deadLetters.GetCounts().Visible);
        Assert.Empty(await Receive(deadLetters, max: 500));

        // The move wrote one large record; later traffic closes its segment, so compaction can take it.
        for (var i = 0; i < 3; i++)
        {
            await Send(deadLetters, new string('f', 30_000));
        }

        var received = await Receive(deadLetters, max: 10);
        Assert.Equal(3, received.Count);
        await deadLetters.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)]);
        await deadLetters.CompactNowAsync();
        await WaitFor(() => SegmentBytes("late-dlq") <= 64 * 1024, $"the expired messages still take {SegmentBytes("late-dlq")} bytes");

        await CrashAndRestart();
        Assert.Equal(new QueueCounts(1, 0, 0, Clock.GetUtcNow().AddMinutes(-10).AddSeconds(-10)), Queue("late-dlq").GetCounts());
        Assert.Equal(["young"], (await Receive(Queue("late-dlq"), max: 500)).Select(Text));
    }

    [Fact]
    public async Task Moved_messages_expire_after_a_restart_even_when_their_delete_was_not_flushed()
    {
        var (source, deadLetters) = await CreatePair();
        await Send(source, "old");
        Clock.Advance(TimeSpan.FromMinutes(50));
        await Send(deadLetters, "young");
        Assert.Single(await Receive(source));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await Receive(source));

        // The crash comes before anything noticed the expiry: recovery must find the old message behind the young one.
        Clock.Advance(TimeSpan.FromMinutes(10));
        await CrashAndRestart();
        Assert.Equal(1, Queue("late-dlq").GetCounts().Visible);
        Assert.Equal(["young"], (await Receive(Queue("late-dlq"), max: 10)).Select(Text));
    }
}
