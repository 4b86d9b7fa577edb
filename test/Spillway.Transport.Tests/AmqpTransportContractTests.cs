using RabbitMQ.Client;
using Spillway.Amqp;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Transport.Tests;

/// <summary>The contract on RabbitMQ quorum queues, plus what a broker refuses to do.</summary>
public sealed class AmqpTransportContractTests : TransportContract
{
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        var factory = new ConnectionFactory { Uri = TestBroker.AmqpUrl };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(Queue);
        await channel.QueueDeleteAsync(DeadLetterQueue);
    }

    protected override async Task<IMessageTransport> OpenAsync(IReadOnlyList<QueueDefinition> queues)
    {
        var transport = new AmqpTransport(new AmqpTransportOptions { Uri = TestBroker.AmqpUrl, Queues = queues });
        Assert.True(await transport.ConnectAsync(publish: true, TimeSpan.FromSeconds(30), CancellationToken.None));
        return transport;
    }

    [Fact]
    public async Task A_broker_refuses_to_look_without_receiving_or_to_define_queues_at_run_time_and_says_why()
    {
        Assert.Contains("management UI", Assert.Throws<NotSupportedException>(() => Transport.Admin.Peek(Queue, 10)).Message, StringComparison.Ordinal);
        var create = await Assert.ThrowsAsync<NotSupportedException>(
            () => Transport.Admin.CreateQueueAsync(new QueueDefinition { Name = "made" }, CancellationToken.None).AsTask());
        Assert.Contains("Spillway:Queues", create.Message, StringComparison.Ordinal);
        Assert.False(Transport.ReportsMessageAge);
    }
}
