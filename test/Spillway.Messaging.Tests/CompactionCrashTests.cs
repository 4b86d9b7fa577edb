using System.Text;

namespace Spillway.Messaging.Tests;

/// <summary>
/// A crash at each step of a compaction (fault injected through the device) recovers exactly the live messages: none
/// lost, none twice, no deleted one back.
/// </summary>
public sealed class CompactionCrashTests : EngineTestBase
{
    public enum Step
    {
        /// <summary>The relocation record is torn half-way through its write.</summary>
        TornRelocation,

        /// <summary>The relocation record's fsync fails.</summary>
        FailedRelocationFsync,

        /// <summary>The relocation record is durable; the old segments are all still there.</summary>
        BeforeSegmentDeletion,

        /// <summary>One old segment is deleted, the others not yet.</summary>
        BetweenSegmentDeletions,

        /// <summary>The old segments are deleted; the directory fsync fails.</summary>
        BeforeDirectorySync,

        /// <summary>The compaction completed.</summary>
        Completed,
    }

    protected override long SegmentSize => 64 * 1024;

    protected override long BodyCacheBytes => 0;

    protected override bool CompactAutomatically => false;

    [Theory]
    [InlineData(Step.TornRelocation)]
    [InlineData(Step.FailedRelocationFsync)]
    [InlineData(Step.BeforeSegmentDeletion)]
    [InlineData(Step.BetweenSegmentDeletions)]
    [InlineData(Step.BeforeDirectorySync)]
    [InlineData(Step.Completed)]
    public async Task A_crash_at_each_compaction_step_recovers_exactly_the_live_messages(Step step)
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "steps" });
        var live = new List<string>();
        var deleted = new List<string>();
        var body = new string('z', 1200);
        for (var i = 0; i < 300; i++)
        {
            var text = i % 25 == 0 ? $"live-{i}" : $"dead-{i}-{body}";
            await Send(queue, text);
        }

        // Every 25th message stays (some in flight, the rest visible); the others are deleted, their deletes spread
        // over the segments that compaction will drop.
        for (var round = 0; round < 30; round++)
        {
            var received = await Receive(queue, max: 10, visibility: TimeSpan.FromHours(1));
            var dead = received.Where(m => Text(m).StartsWith("dead-", StringComparison.Ordinal)).ToList();
            Assert.All(await queue.DeleteBatchAsync([.. dead.Select(m => m.ReceiptHandle)]), Assert.True);
            deleted.AddRange(dead.Select(Text));
            foreach (var keep in received.Except(dead))
            {
                live.Add(Text(keep));
                if (keep.MessageId.GetHashCode() % 2 == 0)
                {
                    Assert.True(queue.ChangeVisibility(keep.ReceiptHandle, TimeSpan.Zero));
                }
            }
        }

        Assert.Equal(12, live.Count);
        Assert.True(queue.Log.ClosedSegments.Count >= 4, $"{queue.Log.ClosedSegments.Count} closed segments");
        var segmentsBefore = queue.Log.SegmentCount;
        var deletesBefore = Device.SegmentDeletes;
        switch (step)
        {
            case Step.TornRelocation:
                Device.TearNextWriteAfter = 100;
                break;
            case Step.FailedRelocationFsync:
                Device.FailSyncs = true;
                break;
            case Step.BeforeSegmentDeletion:
                Device.FailSegmentDeletesAfter = 0;
                break;
            case Step.BetweenSegmentDeletions:
                Device.FailSegmentDeletesAfter = 1;
                break;
            case Step.BeforeDirectorySync:
                Device.FailDirectorySyncs = true;
                break;
        }

        await queue.CompactNowAsync();
        if (step is Step.Completed)
        {
            await WaitFor(() => queue.Log.SegmentCount < segmentsBefore - 2, "compaction deleted no segment");
        }
        else
        {
            await WaitFor(() => queue.Log.Fault is not null, "the injected fault did not stop the log");
        }

        Assert.Equal(
            step switch
            {
                Step.TornRelocation or Step.FailedRelocationFsync or Step.BeforeSegmentDeletion => 0,
                Step.BetweenSegmentDeletions => 1,
                _ => Device.SegmentDeletes - deletesBefore,
            },
            Device.SegmentDeletes - deletesBefore);

        Device.FailSyncs = false;
        Device.TearNextWriteAfter = null;
        Device.FailSegmentDeletesAfter = null;
        Device.FailDirectorySyncs = false;
        await CrashAndRestart();
        AssertExactly(live, Queue("steps"));

        // The next compaction (or the same one again) completes, and what it leaves replays to the same messages.
        await Queue("steps").CompactNowAsync();
        await WaitFor(() => Queue("steps").Log.SegmentCount <= 3, "the second compaction deleted nothing");
        await CrashAndRestart();
        AssertExactly(live, Queue("steps"));
        Assert.True(Queue("steps").Log.SegmentCount <= 3, $"{Queue("steps").Log.SegmentCount} segments left after compaction");
        Assert.DoesNotContain(Queue("steps").Peek(1000), p => deleted.Contains(Encoding.UTF8.GetString(p.Body.Span)));
    }

    private static void AssertExactly(List<string> live, MessageQueue queue)
    {
        var present = queue.Peek(100_000).Select(p => Encoding.UTF8.GetString(p.Body.Span)).ToList();
        Assert.Equal(live.Order(), present.Order());
        Assert.Equal(new QueueCounts(live.Count, 0, 0, queue.GetCounts().OldestSentTimestamp), queue.GetCounts());
    }
}
