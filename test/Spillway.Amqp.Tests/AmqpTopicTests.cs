using System.Text;
using RabbitMQ.Client;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Amqp.Tests;

/// <summary>A topic fanned out by a gateway node to the broker's quorum queues, against the real node ./test.sh starts.</summary>
[Collection(RabbitMqNodeCollection.Name)]
public sealed class AmqpTopicTests : IAsyncLifetime
{
    private readonly string books = "books-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string everything = "all-" + Guid.NewGuid().ToString("N")[..12];
    private AmqpTransport transport = null!;

    public async Task InitializeAsync()
    {
        transport = new AmqpTransport(new AmqpTransportOptions
        {
            Uri = TestBroker.AmqpUrl,
            Queues = [new QueueDefinition { Name = books }, new QueueDefinition { Name = everything }],
            Topics = [new ConfiguredTopic(new TopicDefinition { Name = "orders" }, [Subscribe(books, """{"kind":["book"]}"""), Subscribe(everything, null)])],
        });
        Assert.True(await transport.ConnectAsync(publish: true, TimeSpan.FromSeconds(30), CancellationToken.None), "RabbitMQ did not answer");
    }

    public async Task DisposeAsync()
    {
        await transport.DisposeAsync();
        var factory = new ConnectionFactory { Uri = TestBroker.AmqpUrl };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(books);
        await channel.QueueDeleteAsync(everything);
    }

    [Fact]
    public async Task A_publish_is_confirmed_in_every_queue_its_filters_pass_and_only_there()
    {
        var publisher = transport.Topics.FindPublisher("orders")!;
        foreach (var kind in new[] { "book", "lamp", "book" })
        {
            var result = await publisher.PublishAsync(
                new TopicMessage($"a {kind}") { Attributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = new("String", kind) } },
                CancellationToken.None);
            Assert.NotEqual(Guid.Empty, result.MessageId);
        }

        // Confirmed means held by the broker: the counts are there as soon as the publishes are answered.
        var queues = await transport.Admin.ListQueuesAsync(CancellationToken.None);
        Assert.Equal(2, queues.Single(q => q.Name == books).Visible);
        Assert.Equal(3, queues.Single(q => q.Name == everything).Visible);
        await using var receiver = transport.OpenReceiver(books, prefetch: 10);
        var received = await receiver.ReceiveAsync(new ReceiveOptions { MaxMessages = 10, WaitTime = TimeSpan.FromSeconds(5) }, CancellationToken.None);
        Assert.Equal(["a book", "a book"], received.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        Assert.Equal("book", received[0].Attributes["kind"].StringValue);
    }

    [Fact]
    public async Task A_message_the_topic_refuses_reaches_no_queue_and_an_unknown_topic_has_no_publisher()
    {
        var publisher = transport.Topics.FindPublisher("orders")!;
        await Assert.ThrowsAsync<ArgumentException>(async () => await publisher.PublishAsync(new TopicMessage(""), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await publisher.PublishAsync(new TopicMessage("x") { MessageGroupId = "g" }, CancellationToken.None));
        Assert.Null(transport.Topics.FindPublisher("nope"));
        var queues = await transport.Admin.ListQueuesAsync(CancellationToken.None);
        Assert.Equal(0, queues.Single(q => q.Name == everything).Visible);
    }

    [Fact]
    public void A_FIFO_topic_is_refused_on_a_broker()
    {
        var refusal = Assert.Throws<ArgumentException>(() => new AmqpTransport(new AmqpTransportOptions
        {
            Uri = TestBroker.AmqpUrl,
            Queues = [],
            Topics = [new ConfiguredTopic(new TopicDefinition { Name = "events.fifo" }, [])],
        }));
        Assert.Contains("needs the embedded engine", refusal.Message, StringComparison.Ordinal);
    }

    private static Subscription Subscribe(string queue, string? filter) => new()
    {
        Id = Guid.NewGuid(), Protocol = "sqs", Endpoint = queue, DeliveryQueue = queue, Confirmed = true, RawMessageDelivery = true, FilterPolicy = filter,
    };
}
