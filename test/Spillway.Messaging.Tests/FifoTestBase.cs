using System.Text;

namespace Spillway.Messaging.Tests;

/// <summary>Helpers for FIFO queue tests.</summary>
public abstract class FifoTestBase : EngineTestBase
{
    protected static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);

    protected Task<MessageQueue> CreateFifo(
        string name = "orders.fifo",
        bool contentBased = false,
        DeduplicationScope scope = DeduplicationScope.Queue,
        RedrivePolicy? redrive = null) =>
        Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = name,
            FifoQueue = true,
            ContentBasedDeduplication = contentBased,
            DeduplicationScope = scope,
            VisibilityTimeout = Visibility,
            RedrivePolicy = redrive,
        }).AsTask();

    protected static OutgoingMessage Fifo(string text, string group, string? deduplicationId = null) =>
        new(Encoding.UTF8.GetBytes(text)) { MessageGroupId = group, MessageDeduplicationId = deduplicationId ?? text };

    protected static async Task<SendResult> SendFifo(MessageQueue queue, string group, params string[] texts) =>
        await queue.SendBatchAsync(texts.Select(t => Fifo(t, group)).ToList());

    protected static async Task<string[]> ReceiveTexts(MessageQueue queue, int max = 10) =>
        (await Receive(queue, max)).Select(Text).ToArray();

    protected static async Task DeleteAll(MessageQueue queue, IEnumerable<ReceivedMessage> messages) =>
        Assert.All(await queue.DeleteBatchAsync(messages.Select(m => m.ReceiptHandle).ToList()), Assert.True);
}
