using System.Text;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>The queue totals behind the sent/received/deleted/dead-lettered metrics.</summary>
public sealed class QueueActivityTests : IAsyncDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-activity-");
    private QueueEngine? engine;

    [Fact]
    public async Task Totals_count_sends_receives_deletes_and_dead_letters_and_sent_survives_a_restart()
    {
        var time = new ManualTimeProvider();
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = work.FullName, TimeProvider = time });
        await engine.CreateQueueAsync(new QueueDefinition { Name = "work-dlq" });
        var queue = await engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "work", VisibilityTimeout = TimeSpan.FromSeconds(5), RedrivePolicy = new RedrivePolicy("work-dlq", 1),
        });
        await queue.SendBatchAsync([.. Enumerable.Range(0, 3).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")))]);

        var first = await queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 3, WaitTime = TimeSpan.Zero });
        await queue.DeleteBatchAsync([first[0].ReceiptHandle, first[1].ReceiptHandle]);
        time.Advance(TimeSpan.FromSeconds(6)); // the third reappears past its one allowed receive
        Assert.Empty(await queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 3, WaitTime = TimeSpan.Zero }));

        Assert.Equal(new QueueActivity(Sent: 3, Received: 3, Deleted: 2, DeadLettered: 1), queue.GetActivity());
        engine.TryGetQueue("work-dlq", out var deadLetters);
        Assert.Equal(1, deadLetters!.GetActivity().Sent);

        await engine.DisposeAsync();
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = work.FullName, TimeProvider = time });
        engine.TryGetQueue("work", out var reopened);
        Assert.Equal(new QueueActivity(Sent: 3, Received: 0, Deleted: 0, DeadLettered: 0), reopened!.GetActivity());
    }

    public async ValueTask DisposeAsync()
    {
        if (engine is not null)
        {
            await engine.DisposeAsync();
        }

        work.Delete(recursive: true);
    }
}
