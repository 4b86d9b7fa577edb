using System.Text;
using Spillway.Messaging;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Processing.Tests;

/// <summary>A real queue engine in a temporary directory.</summary>
internal sealed class QueueFixture : IAsyncDisposable
{
    private QueueFixture(QueueEngine engine, string directory)
    {
        Engine = engine;
        Directory = directory;
    }

    public QueueEngine Engine { get; }

    public string Directory { get; }

    public static async Task<QueueFixture> OpenAsync(TimeProvider? time = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "spillway-processing-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var engine = await QueueEngine.OpenAsync(new QueueEngineOptions
        {
            DataDirectory = Path.Combine(directory, "queues"),
            TimeProvider = time ?? TimeProvider.System,
        });
        return new QueueFixture(engine, directory);
    }

    /// <summary>Creates a queue (and, with <paramref name="maxReceiveCount"/>, its dead-letter queue "&lt;name&gt;-dlq").</summary>
    public async Task<MessageQueue> CreateQueueAsync(string name, TimeSpan? visibility = null, int? maxReceiveCount = null)
    {
        if (maxReceiveCount is { } max)
        {
            await Engine.CreateQueueAsync(new QueueDefinition { Name = name + "-dlq" });
        }

        return await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = name,
            VisibilityTimeout = visibility ?? TimeSpan.FromSeconds(30),
            RedrivePolicy = maxReceiveCount is { } m ? new RedrivePolicy(name + "-dlq", m) : null,
        });
    }

    /// <summary>A receiver on <paramref name="queue"/>, as a worker on the embedded transport opens one.</summary>
    public IQueueReceiver Receiver(MessageQueue queue) => new EmbeddedTransport(Engine).OpenReceiver(queue.Name, prefetch: 1);

    public MessageQueue Queue(string name) =>
        Engine.TryGetQueue(name, out var queue) ? queue : throw new InvalidOperationException($"No queue '{name}'.");

    public static async Task<IReadOnlyList<Guid>> SendAsync(MessageQueue queue, params IEnumerable<string> bodies)
    {
        var result = await queue.SendBatchAsync([.. bodies.Select(b => new OutgoingMessage(Encoding.UTF8.GetBytes(b)))]);
        return [.. result.Messages.Select(m => m.MessageId)];
    }

    /// <summary>Messages still in the queue, visible or in flight.</summary>
    public static long Remaining(MessageQueue queue)
    {
        var counts = queue.GetCounts();
        return counts.Visible + counts.InFlight + counts.Delayed;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }
}

/// <summary>Waits for an observable outcome with a deadline; the condition, not the interval, is what is awaited.</summary>
internal static class Eventually
{
    public static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>
    /// Moves a manual clock forward a step at a time (each step lets messages reappear) until <paramref name="done"/>,
    /// waiting after each step for the mapping to finish another batch or for the outcome itself.
    /// </summary>
    public static async Task AdvanceUntilAsync(
        ManualTimeProvider clock, EventSourceMapping mapping, Func<bool> done, TimeSpan step, int maxSteps = 12)
    {
        for (var i = 0; i < maxSteps && !done(); i++)
        {
            var before = mapping.GetStatistics().Batches;
            clock.Advance(step);
            await WaitAsync(() => mapping.GetStatistics().Batches > before || done(), TimeSpan.FromSeconds(2));
        }

        Assert.True(done(), $"Not done after {maxSteps} steps of {step}.");
    }

    public static async Task AssertAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Assert.True(await WaitAsync(condition, timeout), $"Timed out waiting until {what}.");
}
