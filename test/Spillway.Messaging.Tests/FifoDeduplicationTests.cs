using System.Security.Cryptography;
using System.Text;

namespace Spillway.Messaging.Tests;

public sealed class FifoDeduplicationTests : FifoTestBase
{
    [Fact]
    public async Task A_duplicate_id_within_5_minutes_answers_with_the_original_and_stores_nothing()
    {
        var queue = await CreateFifo();
        var original = await queue.SendBatchAsync([Fifo("first", "g", "id-1")]);
        Assert.False(original.Replayed);
        var appends = queue.StorageMetrics.Appends;

        Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        var duplicate = await queue.SendBatchAsync([Fifo("second body", "other-group", "id-1")]);
        Assert.True(duplicate.Replayed);
        Assert.Equal(original.Messages, duplicate.Messages);
        Assert.Equal(appends, queue.StorageMetrics.Appends);
        Assert.Equal(["first"], await ReceiveTexts(queue));
    }

    [Fact]
    public async Task The_id_is_remembered_after_the_message_is_deleted_and_forgotten_after_5_minutes()
    {
        var queue = await CreateFifo();
        var original = await queue.SendBatchAsync([Fifo("first", "g", "id-1")]);
        await DeleteAll(queue, await Receive(queue));

        Assert.True((await queue.SendBatchAsync([Fifo("again", "g", "id-1")])).Replayed);
        Assert.Empty(await Receive(queue));

        Clock.Advance(TimeSpan.FromMinutes(5));
        var later = await queue.SendBatchAsync([Fifo("later", "g", "id-1")]);
        Assert.False(later.Replayed);
        Assert.NotEqual(original.Messages[0].MessageId, later.Messages[0].MessageId);
        Assert.True(later.Messages[0].SequenceNumber > original.Messages[0].SequenceNumber);
        Assert.Equal(["later"], await ReceiveTexts(queue));
    }

    [Fact]
    public async Task A_batch_stores_only_its_new_messages_and_answers_every_entry()
    {
        var queue = await CreateFifo();
        var first = await queue.SendBatchAsync([Fifo("a", "g", "1")]);
        var batch = await queue.SendBatchAsync([Fifo("a", "g", "1"), Fifo("b", "g", "2"), Fifo("b again", "g", "2")]);

        Assert.False(batch.Replayed);
        Assert.Equal(first.Messages[0], batch.Messages[0]);
        Assert.Equal(batch.Messages[1], batch.Messages[2]);
        Assert.Equal(["a", "b"], await ReceiveTexts(queue));
    }

    [Fact]
    public async Task Content_based_deduplication_uses_the_SHA256_of_the_body_and_an_explicit_id_overrides_it()
    {
        var queue = await CreateFifo(contentBased: true);
        OutgoingMessage Body(string text, string? id = null) =>
            new(Encoding.UTF8.GetBytes(text)) { MessageGroupId = "g", MessageDeduplicationId = id };

        var original = await queue.SendBatchAsync([Body("same")]);
        Assert.Equal(original.Messages, (await queue.SendBatchAsync([Body("same")])).Messages);
        Assert.False((await queue.SendBatchAsync([Body("different")])).Replayed);
        Assert.False((await queue.SendBatchAsync([Body("same", "explicit")])).Replayed);

        var received = await Receive(queue);
        Assert.Equal(["same", "different", "same"], received.Select(Text));
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("same"))), received[0].MessageDeduplicationId);
        Assert.Equal("explicit", received[2].MessageDeduplicationId);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False((await queue.SendBatchAsync([Body("same")])).Replayed);
    }

    [Fact]
    public async Task Message_group_scope_deduplicates_within_a_group_only()
    {
        var perGroup = await CreateFifo("per-group.fifo", scope: DeduplicationScope.MessageGroup);
        Assert.False((await perGroup.SendBatchAsync([Fifo("a", "A", "id")])).Replayed);
        Assert.False((await perGroup.SendBatchAsync([Fifo("b", "B", "id")])).Replayed);
        Assert.True((await perGroup.SendBatchAsync([Fifo("a2", "A", "id")])).Replayed);
        Assert.Equal(2, perGroup.GetCounts().Visible);

        var perQueue = await CreateFifo("per-queue.fifo");
        Assert.False((await perQueue.SendBatchAsync([Fifo("a", "A", "id")])).Replayed);
        Assert.True((await perQueue.SendBatchAsync([Fifo("b", "B", "id")])).Replayed);
        Assert.Equal(1, perQueue.GetCounts().Visible);
    }

    [Fact]
    public async Task Deduplication_survives_a_restart_and_a_crash()
    {
        var queue = await CreateFifo(scope: DeduplicationScope.MessageGroup);
        var kept = await queue.SendBatchAsync([Fifo("kept", "g", "id-1")]);
        var deleted = await queue.SendBatchAsync([Fifo("deleted", "g", "id-2")]);
        var received = await Receive(queue);
        await DeleteAll(queue, received.Where(m => Text(m) == "deleted"));

        await Restart();
        queue = Queue("orders.fifo");
        Assert.Equal(DeduplicationScope.MessageGroup, queue.Definition.DeduplicationScope);
        Assert.Equal(kept.Messages, (await queue.SendBatchAsync([Fifo("x", "g", "id-1")])).Messages);

        Clock.Advance(TimeSpan.FromMinutes(4));
        await CrashAndRestart();
        queue = Queue("orders.fifo");
        var again = await queue.SendBatchAsync([Fifo("y", "g", "id-2")]);
        Assert.True(again.Replayed);
        Assert.Equal(deleted.Messages, again.Messages);
        Assert.Equal(["kept"], await ReceiveTexts(queue));

        Clock.Advance(TimeSpan.FromMinutes(1));
        await Restart();
        Assert.False((await Queue("orders.fifo").SendBatchAsync([Fifo("z", "g", "id-2")])).Replayed);
    }

    [Fact]
    public async Task A_moved_message_does_not_bring_its_deduplication_id_into_the_dead_letter_queue()
    {
        var deadLetters = await CreateFifo("dlq.fifo");
        var queue = await CreateFifo(redrive: new RedrivePolicy("dlq.fifo", 1));
        await queue.SendBatchAsync([Fifo("poison", "g", "id-1")]);
        Assert.Single(await Receive(queue));
        Clock.Advance(Visibility);
        Assert.Empty(await Receive(queue));
        Assert.Equal(1, deadLetters.GetCounts().Visible);

        Assert.False((await deadLetters.SendBatchAsync([Fifo("new", "g", "id-1")])).Replayed);
        await Restart();
        Assert.Equal(2, Queue("dlq.fifo").GetCounts().Visible);
    }
}

/// <summary>Deduplication ids outlive their messages' segments: segments are kept until the ids expire.</summary>
public sealed class FifoDeduplicationRetentionTests : FifoTestBase
{
    protected override long SegmentSize => 64 * 1024;

    [Fact]
    public async Task Deduplication_survives_a_restart_after_its_segment_would_have_been_released()
    {
        var queue = await CreateFifo();
        var original = await queue.SendBatchAsync([Fifo("first", "g", "id-0")]);
        var body = new string('x', 4000);
        for (var i = 1; i <= 100; i++)
        {
            await queue.SendBatchAsync([Fifo(body, "g", $"id-{i}")]);
            await DeleteAll(queue, await Receive(queue));
        }

        await Restart();
        var again = await Queue("orders.fifo").SendBatchAsync([Fifo("first", "g", "id-0")]);
        Assert.True(again.Replayed);
        Assert.Equal(original.Messages, again.Messages);

        // Past the window the segments go as usual.
        Clock.Advance(TimeSpan.FromMinutes(5));
        await Queue("orders.fifo").SendBatchAsync([Fifo(body, "g", "late")]);
        await DeleteAll(Queue("orders.fifo"), await Receive(Queue("orders.fifo")));
        await Queue("orders.fifo").SendBatchAsync([Fifo("last", "g", "last")]); // the writer deletes after its next group
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetFiles(Path.Combine(DataDirectory, "queues", "orders.fifo"), "*.seg").Length > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "dead segments were not deleted after the window");
            await Task.Delay(10);
        }
    }
}
