using System.Text;

namespace Spillway.Messaging.Tests;

public sealed class FifoValidationTests : FifoTestBase
{
    public static TheoryData<string, QueueDefinition> BadDefinitions() => new()
    {
        { "name without FifoQueue", new QueueDefinition { Name = "a.fifo" } },
        { "FifoQueue without the suffix", new QueueDefinition { Name = "a", FifoQueue = true } },
        { "only the suffix", new QueueDefinition { Name = ".fifo", FifoQueue = true } },
        { "FIFO with a standard DLQ", new QueueDefinition { Name = "a.fifo", FifoQueue = true, RedrivePolicy = new RedrivePolicy("dlq", 3) } },
        { "standard with a FIFO DLQ", new QueueDefinition { Name = "a", RedrivePolicy = new RedrivePolicy("dlq.fifo", 3) } },
        { "content-based on standard", new QueueDefinition { Name = "a", ContentBasedDeduplication = true } },
        { "group scope on standard", new QueueDefinition { Name = "a", DeduplicationScope = DeduplicationScope.MessageGroup } },
        {
            "perMessageGroupId with queue scope",
            new QueueDefinition { Name = "a.fifo", FifoQueue = true, FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId }
        },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task A_bad_FIFO_definition_is_refused_and_creates_nothing(string why, QueueDefinition definition)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Engine.CreateQueueAsync(definition).AsTask());
        Assert.False(string.IsNullOrEmpty(error.Message), why);
        Assert.False(Engine.TryGetQueue(definition.Name, out _));
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "queues", definition.Name)));
    }

    [Fact]
    public async Task High_throughput_settings_are_accepted_and_durable()
    {
        var definition = new QueueDefinition
        {
            Name = "fast.fifo",
            FifoQueue = true,
            ContentBasedDeduplication = true,
            DeduplicationScope = DeduplicationScope.MessageGroup,
            FifoThroughputLimit = FifoThroughputLimit.PerMessageGroupId,
            RedrivePolicy = new RedrivePolicy("fast-dlq.fifo", 5),
        };
        await Engine.CreateQueueAsync(definition);
        await Restart();
        Assert.Equal(definition, Queue("fast.fifo").Definition);
    }

    [Fact]
    public async Task A_queue_cannot_switch_between_fifo_and_standard_or_change_its_deduplication_scope()
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "kind.fifo", FifoQueue = true });

        await Assert.ThrowsAsync<ArgumentException>(
            () => Engine.SetQueueAttributesAsync("kind.fifo", d => d with { FifoQueue = false }).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(
            () => Engine.SetQueueAttributesAsync("kind.fifo", d => d with { DeduplicationScope = DeduplicationScope.MessageGroup }).AsTask());
        await Restart();
        Assert.True(Queue("kind.fifo").Definition.FifoQueue);
        Assert.Equal(DeduplicationScope.Queue, Queue("kind.fifo").Definition.DeduplicationScope);
    }

    [Fact]
    public async Task Messages_do_not_move_between_a_fifo_and_a_standard_queue()
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "dlq.fifo", FifoQueue = true });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "src.fifo", FifoQueue = true, RedrivePolicy = new RedrivePolicy("dlq.fifo", 1) });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "plain" });

        await Assert.ThrowsAsync<ArgumentException>(() => Engine.RedriveAsync("dlq.fifo", "plain", 10).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Engine.StartMessageMoveTaskAsync("dlq.fifo", "plain").AsTask());

        // The other way round, a standard dead-letter queue into a FIFO queue: the same refusal, naming both queues, so
        // every caller answers it as a 4xx.
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "dlq" });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "src", RedrivePolicy = new RedrivePolicy("dlq", 1) });
        var redrive = await Assert.ThrowsAsync<ArgumentException>(() => Engine.RedriveAsync("dlq", "dlq.fifo", 10).AsTask());
        Assert.Contains("'dlq' to 'dlq.fifo'", redrive.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => Engine.StartMessageMoveTaskAsync("dlq", "dlq.fifo").AsTask());
    }

    public static TheoryData<string, OutgoingMessage> BadFifoSends() => new()
    {
        { "missing group id", new OutgoingMessage(Encoding.UTF8.GetBytes("x")) { MessageDeduplicationId = "d" } },
        { "group id with a space", new OutgoingMessage(Encoding.UTF8.GetBytes("x")) { MessageGroupId = "a b", MessageDeduplicationId = "d" } },
        { "group id too long", new OutgoingMessage(Encoding.UTF8.GetBytes("x")) { MessageGroupId = new string('g', 129), MessageDeduplicationId = "d" } },
        { "missing dedup id without content-based", new OutgoingMessage(Encoding.UTF8.GetBytes("x")) { MessageGroupId = "g" } },
        { "per-message delay", new OutgoingMessage(Encoding.UTF8.GetBytes("x"), TimeSpan.FromSeconds(5)) { MessageGroupId = "g", MessageDeduplicationId = "d" } },
        { "per-message zero delay", new OutgoingMessage(Encoding.UTF8.GetBytes("x"), TimeSpan.Zero) { MessageGroupId = "g", MessageDeduplicationId = "d" } },
    };

    [Theory]
    [MemberData(nameof(BadFifoSends))]
    public async Task A_bad_FIFO_send_is_refused_and_stores_nothing(string why, OutgoingMessage bad)
    {
        var queue = await CreateFifo();
        var appends = queue.StorageMetrics.Appends;
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => queue.SendBatchAsync([Fifo("good", "g"), bad]).AsTask());
        Assert.Contains("Message 1", error.Message);
        Assert.Equal(appends, queue.StorageMetrics.Appends);
        Assert.Equal(0, queue.GetCounts().Visible);
        Assert.False(string.IsNullOrEmpty(why));

        // Nothing was remembered either: the good message's id is still free.
        Assert.False((await queue.SendBatchAsync([Fifo("good", "g")])).Replayed);
    }

    [Fact]
    public async Task Group_and_deduplication_ids_are_refused_on_a_standard_queue()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "standard" });
        await Assert.ThrowsAsync<ArgumentException>(
            () => queue.SendBatchAsync([new OutgoingMessage(new byte[1]) { MessageGroupId = "g" }]).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(
            () => queue.SendBatchAsync([new OutgoingMessage(new byte[1]) { MessageDeduplicationId = "d" }]).AsTask());
        Assert.Equal(0, queue.GetCounts().Visible);

        // On a standard queue a receive attempt id is ignored, as in SQS.
        await Send(queue, "m");
        Assert.Single(await queue.ReceiveAsync(new ReceiveOptions { ReceiveRequestAttemptId = "a" }));
        Assert.Empty(await queue.ReceiveAsync(new ReceiveOptions { ReceiveRequestAttemptId = "a" }));
    }

    [Fact]
    public async Task A_queue_level_delay_applies_to_FIFO_messages()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "delayed.fifo",
            FifoQueue = true,
            DeliveryDelay = TimeSpan.FromSeconds(10),
        });
        await SendFifo(queue, "g", "a1");
        Assert.Empty(await Receive(queue));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["a1"], await ReceiveTexts(queue));
    }
}
