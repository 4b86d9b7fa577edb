using Spillway.Messaging;

namespace Spillway.Transport.Tests;

/// <summary>The contract on the embedded engine, plus what only the engine can do.</summary>
public sealed class EmbeddedTransportTests : TransportContract
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("spillway-transport-");
    private QueueEngine? engine;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (engine is not null)
        {
            await engine.DisposeAsync();
        }

        directory.Delete(recursive: true);
    }

    protected override async Task<IMessageTransport> OpenAsync(IReadOnlyList<QueueDefinition> queues)
    {
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = directory.FullName, MinimumFreeDiskBytes = 1024 * 1024 });
        var transport = new EmbeddedTransport(engine);
        await transport.CreateQueuesAsync(queues, CancellationToken.None);
        return transport;
    }

    [Fact]
    public async Task A_look_at_a_queue_shows_its_messages_without_receiving_them()
    {
        await Transport.FindSender(Queue)!.SendBatchAsync([Message("seen")], null, CancellationToken.None);

        var peeked = Assert.Single(Transport.Admin.Peek(Queue, 10));

        Assert.Equal("seen"u8.ToArray(), peeked.Body.ToArray());
        Assert.Equal(1, (await Transport.Admin.DescribeQueueAsync(Queue, CancellationToken.None)).Visible);
    }

    [Fact]
    public async Task Queues_are_created_once_and_changed_through_the_admin()
    {
        var (created, isNew) = await Transport.Admin.CreateQueueAsync(new QueueDefinition { Name = "made" }, CancellationToken.None);
        var (again, isNewAgain) = await Transport.Admin.CreateQueueAsync(
            new QueueDefinition { Name = "made", VisibilityTimeout = TimeSpan.FromMinutes(1) }, CancellationToken.None);
        var changed = await Transport.Admin.UpdateQueueAsync(
            "made", d => d with { VisibilityTimeout = TimeSpan.FromMinutes(2) }, CancellationToken.None);

        Assert.True(isNew);
        Assert.False(isNewAgain);
        Assert.Equal(created, again);
        Assert.Equal(TimeSpan.FromMinutes(2), changed.VisibilityTimeout);
        Assert.Equal(changed, Transport.Admin.FindDefinition("made"));
    }

    [Fact]
    public async Task The_backlog_estimate_never_falls_below_the_count_and_catches_up_with_deletions()
    {
        var sender = Transport.FindSender(Queue)!;
        await sender.SendBatchAsync([Message("1"), Message("2")], null, CancellationToken.None);
        Assert.True(sender.ApproximateBacklog >= sender.Backlog);
        await using var receiver = Transport.OpenReceiver(Queue, 10);
        var received = await ReceiveAsync(receiver, 2);
        await receiver.DeleteBatchAsync([.. received.Select(m => m.ReceiptHandle)], CancellationToken.None);

        Assert.Equal(0, sender.Backlog);
        await EventuallyAsync(() => Task.FromResult(sender.ApproximateBacklog), b => b == 0, "the estimate refreshes after its 100 ms");
    }
}
