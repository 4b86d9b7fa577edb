using System.Text;
using RabbitMQ.Client;
using Spillway.Messaging;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Amqp.Tests;

/// <summary>The RabbitMQ transport against the real node ./test.sh starts; every test on queues of its own.</summary>
[Collection(RabbitMqNodeCollection.Name)]
public sealed class AmqpTransportTests : IAsyncLifetime
{
    private readonly string queue = "t-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<AmqpTransport> transports = [];

    private string DeadLetterQueue => queue + "-dlq";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }

        var factory = new ConnectionFactory { Uri = TestBroker.AmqpUrl };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue);
        await channel.QueueDeleteAsync(DeadLetterQueue);
    }

    [Fact]
    public async Task Sent_messages_are_received_with_their_message_ids_and_deleted_by_ack()
    {
        var transport = await OpenAsync();
        var sent = await transport.FindSender(queue)!.SendBatchAsync([Message("a"), Message("b")], null, CancellationToken.None);
        await using var receiver = transport.OpenReceiver(queue, prefetch: 10);

        var received = await ReceiveAsync(receiver, 2);

        Assert.Equal(sent.Messages.Select(m => m.MessageId), received.Select(m => m.MessageId));
        Assert.Equal(["a", "b"], received.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        Assert.All(received, m => Assert.Equal(1, m.ReceiveCount));
        Assert.Equal(2, await receiver.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)], CancellationToken.None));
        await using var other = transport.OpenReceiver(queue, prefetch: 10);
        Assert.Empty(await other.ReceiveAsync(new ReceiveOptions { MaxMessages = 10, WaitTime = TimeSpan.FromSeconds(1) }, CancellationToken.None));
    }

    [Fact]
    public async Task Released_message_is_dead_lettered_after_max_receive_count_and_redrive_brings_it_back()
    {
        var transport = await OpenAsync(maxReceiveCount: 3);
        var id = (await transport.FindSender(queue)!.SendBatchAsync([Message("poison")], null, CancellationToken.None)).Messages[0].MessageId;
        await using var receiver = transport.OpenReceiver(queue, prefetch: 1);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var message = Assert.Single(await ReceiveAsync(receiver, 1));
            Assert.Equal(id, message.MessageId);
            Assert.Equal(attempt, message.ReceiveCount);
            await receiver.ReleaseAsync([message.ReceiptHandle], CancellationToken.None);
        }

        // Dead-lettering at least once is asynchronous: wait for the dead-letter queue to report it.
        await WaitUntilAsync(async () => (await CountAsync(transport, DeadLetterQueue)) == 1, "the message reached the dead-letter queue");
        Assert.Equal(0, await CountAsync(transport, queue));

        Assert.Equal(1, await transport.RedriveAsync(DeadLetterQueue, null, 10, CancellationToken.None));
        var redriven = Assert.Single(await ReceiveAsync(receiver, 1));
        Assert.Equal(id, redriven.MessageId);
        Assert.Equal(1, redriven.ReceiveCount);
        Assert.Equal(0, await CountAsync(transport, DeadLetterQueue));
    }

    [Fact]
    public async Task Unacknowledged_messages_return_to_another_consumer_when_theirs_goes_away()
    {
        var transport = await OpenAsync();
        var sent = await transport.FindSender(queue)!.SendBatchAsync([.. Enumerable.Range(0, 5).Select(i => Message($"m{i}"))], null, CancellationToken.None);
        var first = transport.OpenReceiver(queue, prefetch: 10);
        var held = await ReceiveAsync(first, 5);
        await first.DisposeAsync();

        await using var second = transport.OpenReceiver(queue, prefetch: 10);
        var again = await ReceiveAsync(second, 5);

        Assert.Equal(sent.Messages.Select(m => m.MessageId).Order(), again.Select(m => m.MessageId).Order());
        Assert.Equal(held.Select(m => m.MessageId).Order(), again.Select(m => m.MessageId).Order());
        Assert.Equal(0, await first.DeleteBatchAsync([.. held.Select(m => m.ReceiptHandle)], CancellationToken.None));
    }

    [Fact]
    public async Task Prefetch_bounds_the_messages_held_unacknowledged()
    {
        var transport = await OpenAsync();
        await transport.FindSender(queue)!.SendBatchAsync([.. Enumerable.Range(0, 10).Select(i => Message($"m{i}"))], null, CancellationToken.None);
        await using var receiver = transport.OpenReceiver(queue, prefetch: 3);

        var held = await ReceiveAsync(receiver, 3);
        var more = await receiver.ReceiveAsync(new ReceiveOptions { MaxMessages = 10, WaitTime = TimeSpan.FromSeconds(1) }, CancellationToken.None);

        Assert.Equal(3, held.Count);
        Assert.Empty(more);
        await receiver.DeleteBatchAsync([.. held.Select(m => m.ReceiptHandle)], CancellationToken.None);
        Assert.Equal(3, (await ReceiveAsync(receiver, 3)).Count);
    }

    [Fact]
    public async Task Retry_with_the_same_idempotency_key_publishes_the_same_message_ids()
    {
        var transport = await OpenAsync();
        var sender = transport.FindSender(queue)!;

        var first = await sender.SendBatchAsync([Message("x"), Message("y")], "key-1", CancellationToken.None);
        var retry = await sender.SendBatchAsync([Message("x"), Message("y")], "key-1", CancellationToken.None);
        var other = await sender.SendBatchAsync([Message("x")], "key-2", CancellationToken.None);

        Assert.Equal(first.Messages.Select(m => m.MessageId), retry.Messages.Select(m => m.MessageId));
        Assert.NotEqual(first.Messages[0].MessageId, other.Messages[0].MessageId);
        Assert.Equal(2, first.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Send_while_the_broker_is_unreachable_fails_and_is_never_acknowledged()
    {
        var closedPort = new Uri($"amqp://guest:secret-password@127.0.0.1:{FreePort()}/");
        var transport = Track(new AmqpTransport(new AmqpTransportOptions { Uri = closedPort, Queues = Definitions(null) }));

        Assert.False(await transport.ConnectAsync(publish: true, TimeSpan.FromMilliseconds(500), CancellationToken.None));
        Assert.False(transport.Status.Available);
        var failure = await Assert.ThrowsAsync<TransportUnavailableException>(
            () => transport.FindSender(queue)!.SendBatchAsync([Message("lost?")], null, CancellationToken.None).AsTask());
        Assert.DoesNotContain("secret-password", failure.Message + transport.Status.Reason + transport.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public void Queues_that_need_the_embedded_engine_are_refused_and_the_password_is_never_shown()
    {
        var uri = new Uri("amqp://app:hunter2@rabbit.internal:5672/prod");
        var fifo = new AmqpTransportOptions { Uri = uri, Queues = [new QueueDefinition { Name = "orders.fifo", FifoQueue = true }] };
        var delayed = new AmqpTransportOptions { Uri = uri, Queues = [new QueueDefinition { Name = "later", DeliveryDelay = TimeSpan.FromSeconds(5) }] };

        Assert.Contains("FIFO", Assert.Throws<ArgumentException>(fifo.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("delay", Assert.Throws<ArgumentException>(delayed.Validate).Message, StringComparison.Ordinal);
        Assert.Equal("amqp://app:***@rabbit.internal:5672/prod", fifo.RedactedUri);
        Assert.DoesNotContain("hunter2", fifo.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AmqpTransportOptions.ParseUri("http://rabbit:5672/"));
    }

    private async Task<AmqpTransport> OpenAsync(int maxReceiveCount = 5)
    {
        var transport = Track(new AmqpTransport(new AmqpTransportOptions { Uri = TestBroker.AmqpUrl, Queues = Definitions(maxReceiveCount) }));
        Assert.True(await transport.ConnectAsync(publish: true, TimeSpan.FromSeconds(30), CancellationToken.None), "RabbitMQ did not answer");
        return transport;
    }

    private QueueDefinition[] Definitions(int? maxReceiveCount) =>
    [
        new QueueDefinition { Name = DeadLetterQueue },
        new QueueDefinition { Name = queue, RedrivePolicy = new RedrivePolicy(DeadLetterQueue, maxReceiveCount ?? 5) },
    ];

    private AmqpTransport Track(AmqpTransport transport)
    {
        transports.Add(transport);
        return transport;
    }

    private static OutgoingMessage Message(string body) => new(Encoding.UTF8.GetBytes(body));

    private static async Task<List<ReceivedMessage>> ReceiveAsync(IQueueReceiver receiver, int count)
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

    private static async Task<long> CountAsync(IMessageTransport transport, string name) =>
        (await transport.Admin.ListQueuesAsync(CancellationToken.None)).Single(q => q.Name == name).Visible;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
