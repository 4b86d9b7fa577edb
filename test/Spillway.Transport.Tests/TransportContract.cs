using System.Text;
using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Transport.Tests;

/// <summary>
/// What every transport does alike, so that the gateway, the workers and the admin API can take any of them: each
/// transport's test class inherits these tests and says only how to open it over a queue and its dead-letter queue.
/// </summary>
public abstract class TransportContract : IAsyncLifetime
{
    protected string Queue { get; } = "c-" + Guid.NewGuid().ToString("N")[..12];

    protected string DeadLetterQueue => Queue + "-dlq";

    protected IMessageTransport Transport { get; private set; } = null!;

    public async Task InitializeAsync() => Transport = await OpenAsync(
    [
        new QueueDefinition { Name = Queue, RedrivePolicy = new RedrivePolicy(DeadLetterQueue, 3) },
        new QueueDefinition { Name = DeadLetterQueue },
    ]);

    public virtual async Task DisposeAsync() => await Transport.DisposeAsync();

    /// <summary>Opens the transport with these queues.</summary>
    protected abstract Task<IMessageTransport> OpenAsync(IReadOnlyList<QueueDefinition> queues);

    [Fact]
    public async Task Sent_messages_are_received_in_order_with_their_ids_and_gone_once_deleted()
    {
        var sender = Transport.FindSender(Queue)!;
        Assert.True(sender.Status.Available);
        var sent = await sender.SendBatchAsync([Message("a"), Message("b"), Message("c")], null, CancellationToken.None);
        await using var receiver = Transport.OpenReceiver(Queue, prefetch: 10);

        var received = await ReceiveAsync(receiver, 3);

        Assert.Equal(sent.Messages.Select(m => m.MessageId), received.Select(m => m.MessageId));
        Assert.Equal(["a", "b", "c"], received.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        Assert.Equal(3, await receiver.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)], CancellationToken.None));
        Assert.Equal(0, (await Transport.Admin.DescribeQueueAsync(Queue, CancellationToken.None)).Depth);
    }

    [Fact]
    public async Task The_admin_lists_each_queue_with_its_dead_letter_queue_and_what_waits_in_it()
    {
        await Transport.FindSender(Queue)!.SendBatchAsync([Message("x"), Message("y")], null, CancellationToken.None);

        var queue = await EventuallyAsync(
            () => Transport.Admin.DescribeQueueAsync(Queue, CancellationToken.None).AsTask(), q => q.Visible == 2, "both messages are counted");
        var listed = (await Transport.Admin.ListQueuesAsync(CancellationToken.None)).Single(q => q.Name == Queue);

        Assert.Equal(DeadLetterQueue, queue.DeadLetterQueue);
        Assert.Equal(queue.Name, listed.Name);
        Assert.Equal(DeadLetterQueue, Transport.Admin.FindDefinition(Queue)?.RedrivePolicy?.DeadLetterQueue);
        Assert.True(Transport.FindSender(Queue)!.ApproximateBacklog >= 2);
        Assert.Equal(Transport.ReportsMessageAge, queue.OldestMessageAge is not null);
    }

    [Fact]
    public async Task An_unknown_queue_has_no_sender_and_every_operation_on_it_names_it()
    {
        Assert.Null(Transport.FindSender("no-such-queue"));
        Assert.Null(Transport.Admin.FindDefinition("no-such-queue"));
        Assert.Equal("no-such-queue", Assert.Throws<UnknownQueueException>(() => Transport.OpenReceiver("no-such-queue", 1)).QueueName);
        await Assert.ThrowsAsync<UnknownQueueException>(() => Transport.Admin.DescribeQueueAsync("no-such-queue", CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<UnknownQueueException>(() => Transport.Admin.PurgeAsync("no-such-queue", CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<UnknownQueueException>(
            () => Transport.Admin.RedriveAsync(DeadLetterQueue, "no-such-queue", 10, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_purge_empties_the_queue_and_says_about_how_many_it_held()
    {
        await Transport.FindSender(Queue)!.SendBatchAsync([Message("1"), Message("2"), Message("3")], null, CancellationToken.None);
        await EventuallyAsync(() => Transport.Admin.DescribeQueueAsync(Queue, CancellationToken.None).AsTask(), q => q.Visible == 3, "the sends are counted");

        Assert.Equal(3, await Transport.Admin.PurgeAsync(Queue, CancellationToken.None));
        Assert.Equal(0, (await Transport.Admin.DescribeQueueAsync(Queue, CancellationToken.None)).Depth);
    }

    protected static OutgoingMessage Message(string body) => new(Encoding.UTF8.GetBytes(body));

    protected static async Task<List<ReceivedMessage>> ReceiveAsync(IQueueReceiver receiver, int count)
    {
        var received = new List<ReceivedMessage>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (received.Count < count)
        {
            received.AddRange(await receiver.ReceiveAsync(
                new ReceiveOptions { MaxMessages = count - received.Count, WaitTime = TimeSpan.FromSeconds(5) }, timeout.Token));
        }

        return received;
    }

    /// <summary>A broker's counts follow its writes a moment later: read until the condition holds, or fail naming it.</summary>
    protected static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}
