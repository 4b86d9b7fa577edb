using System.Text;
using Spillway.Storage;
using Spillway.Storage.Tests;
using Spillway.TestKit;

namespace Spillway.Messaging.Tests;

/// <summary>A data directory, a manual clock and a fault-injecting device for one test; opens and reopens engines on them.</summary>
public abstract class EngineTestBase : IAsyncLifetime
{
    private readonly TempDirectory temp = new();

    protected ManualTimeProvider Clock { get; } = new();

    protected FaultInjectingDevice Device { get; } = new() { FreeBytes = 100L * 1024 * 1024 * 1024 };

    protected QueueEngine Engine { get; set; } = null!;

    protected string DataDirectory => temp.Path;

    protected virtual long SegmentSize => 64L * 1024 * 1024;

    protected virtual long BodyCacheBytes => 32L * 1024 * 1024;

    protected virtual int MaxIdempotencyKeys => 250_000;

    protected virtual bool CompactAutomatically => true;

    protected virtual double? FifoSendRateLimit => null;

    public async Task InitializeAsync() => Engine = await OpenEngine();

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        temp.Dispose();
    }

    protected ValueTask<QueueEngine> OpenEngine() => QueueEngine.OpenAsync(new QueueEngineOptions
    {
        DataDirectory = temp.Path,
        TimeProvider = Clock,
        Device = Device,
        MinimumFreeDiskBytes = 1024 * 1024,
        SegmentSize = SegmentSize,
        BodyCacheBytes = BodyCacheBytes,
        MaxIdempotencyKeys = MaxIdempotencyKeys,
        CompactAutomatically = CompactAutomatically,
        FifoSendRateLimit = FifoSendRateLimit,
    });

    /// <summary>Closes the engine cleanly and opens it again.</summary>
    protected async Task Restart()
    {
        await Engine.DisposeAsync();
        Engine = await OpenEngine();
    }

    /// <summary>Drops the engine as a crash would (unflushed bookkeeping lost) and opens it again.</summary>
    protected async Task CrashAndRestart()
    {
        Engine.Crash();
        Engine = await OpenEngine();
    }

    /// <summary>Bytes of a queue's segment files on disk (a file deleted while they are counted counts nothing).</summary>
    protected long SegmentBytes(string queueName)
    {
        long total = 0;
        foreach (var file in Directory.GetFiles(Path.Combine(DataDirectory, "queues", queueName), "*.seg"))
        {
            try
            {
                total += new FileInfo(file).Length;
            }
            catch (FileNotFoundException)
            {
            }
        }

        return total;
    }

    /// <summary>Waits up to 10 s for something the engine does in the background (a writer deleting segments).</summary>
    protected static async Task WaitFor(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(10);
        }
    }

    protected MessageQueue Queue(string name) =>
        Engine.TryGetQueue(name, out var queue) ? queue : throw new InvalidOperationException(name);

    protected static OutgoingMessage Message(string text, TimeSpan? delay = null) => new(Encoding.UTF8.GetBytes(text), delay);

    protected static string Text(ReceivedMessage message) => Encoding.UTF8.GetString(message.Body.Span);

    protected static async Task<SendResult> Send(MessageQueue queue, params string[] texts) =>
        await queue.SendBatchAsync(texts.Select(t => Message(t)).ToList());

    protected static async Task<IReadOnlyList<ReceivedMessage>> Receive(MessageQueue queue, int max = 10, TimeSpan? visibility = null) =>
        await queue.ReceiveAsync(new ReceiveOptions { MaxMessages = max, VisibilityTimeout = visibility });
}
