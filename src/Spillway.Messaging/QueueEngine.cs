using System.Diagnostics.CodeAnalysis;
using Spillway.Messaging.Internal;
using Spillway.Messaging.Streams;
using Spillway.Messaging.Topics;
using Spillway.Storage;

namespace Spillway.Messaging;

/// <summary>
/// Opens and owns every queue kept in one data directory. Queue definitions and messages are durable:
/// a restart brings back every queue and every message that was not deleted.
/// </summary>
public sealed partial class QueueEngine : IAsyncDisposable
{
    private const long FreeSpaceRefreshMs = 250;
    private const string LockFileName = "spillway.lock";

    private readonly Lock gate = new();
    private readonly Dictionary<string, MessageQueue> queues = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim catalogGate = new(1, 1);
    private long freeBytes;
    private long freeBytesCheckedAt = long.MinValue / 2;
    private bool disposed;

    private readonly IDisposable directoryLock;
    private EngineMetrics? metrics;

    private QueueEngine(QueueEngineOptions options, IDisposable directoryLock)
    {
        Options = options;
        QueuesDirectory = Path.Combine(options.DataDirectory, "queues");
        this.directoryLock = directoryLock;
        Streams = new StreamStore(this);
        Topics = new TopicStore(this);
    }

    /// <summary>The engine's streams, kept in the same data directory and on the same storage as its queues.</summary>
    public StreamStore Streams { get; }

    /// <summary>The engine's topics, whose subscriptions deliver into its queues.</summary>
    public TopicStore Topics { get; }

    internal QueueEngineOptions Options { get; }

    internal IStorageDevice Device => Options.Device;

    /// <summary>The engine's clock (<see cref="QueueEngineOptions.TimeProvider"/>).</summary>
    public TimeProvider Time => Options.TimeProvider;

    internal string QueuesDirectory { get; }

    /// <summary>The name of the meter the engine measures its queues and storage on.</summary>
    public const string MeterName = "Spillway.Messaging";

    /// <summary>Opens the engine, recovering every queue found in <see cref="QueueEngineOptions.DataDirectory"/>.</summary>
    public static ValueTask<QueueEngine> OpenAsync(QueueEngineOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        options.Device.CreateDirectory(options.DataDirectory);

        // Two engines writing one directory would interleave their logs: the second one is refused.
        var engine = new QueueEngine(options, options.Device.LockExclusive(Path.Combine(options.DataDirectory, LockFileName)));
        try
        {
            engine.Device.CreateDirectory(engine.QueuesDirectory);
            foreach (var name in engine.Device.ListDirectories(engine.QueuesDirectory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var directory = Path.Combine(engine.QueuesDirectory, name);
                var definition = QueueCatalog.TryRead(engine.Device, directory);
                if (definition is null || definition.Name != name)
                {
                    // A queue whose creation crashed before its definition was durable, or a deleted one: never acknowledged.
                    engine.Device.DeleteDirectory(directory);
                    continue;
                }

                engine.queues[name] = MessageQueue.Open(engine, definition, directory);
                engine.LoadMoveTasks(name, directory);
            }

            engine.Streams.Open(cancellationToken);
            engine.Topics.Open(cancellationToken);

            engine.metrics = new EngineMetrics(engine, options.MeterFactory);
        }
        catch
        {
            engine.Crash();
            throw;
        }

        return ValueTask.FromResult(engine);
    }

    /// <summary>Whether the storage accepts new messages, and why not when it does not.</summary>
    public StorageStatus Status
    {
        get
        {
            var free = RefreshFreeBytes(force: true);
            var fault = FirstFault();
            if (fault is not null)
            {
                return new StorageStatus(false, free, $"storage stopped after an I/O failure: {fault.Message}");
            }

            return free < Options.MinimumFreeDiskBytes
                ? new StorageStatus(false, free, $"disk nearly full: {free} bytes free, {Options.MinimumFreeDiskBytes} required")
                : new StorageStatus(true, free, null);
        }
    }

    /// <summary>
    /// Creates a queue, or returns the existing one when a queue of that name exists. The definition is durable
    /// before this completes.
    /// </summary>
    public async ValueTask<MessageQueue> CreateQueueAsync(QueueDefinition definition, CancellationToken cancellationToken = default)
    {
        DefinitionRules.Validate(definition);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                if (queues.TryGetValue(definition.Name, out var existing))
                {
                    return existing;
                }
            }

            EnsureRedriveAllowed(definition);

            var directory = Path.Combine(QueuesDirectory, definition.Name);
            QueueCatalog.Write(Device, directory, definition);
            var queue = MessageQueue.Open(this, definition, directory);
            lock (gate)
            {
                queues[definition.Name] = queue;
            }

            return queue;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Finds a queue by name.</summary>
    public bool TryGetQueue(string name, [NotNullWhen(true)] out MessageQueue? queue)
    {
        lock (gate)
        {
            return queues.TryGetValue(name, out queue);
        }
    }

    /// <summary>Every queue, in name order.</summary>
    public IReadOnlyList<MessageQueue> ListQueues()
    {
        lock (gate)
        {
            return [.. queues.Values.OrderBy(q => q.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Deletes a queue and its messages.</summary>
    public async ValueTask<bool> DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            MessageQueue? queue;
            lock (gate)
            {
                if (!queues.Remove(name, out queue))
                {
                    return false;
                }
            }

            await StopMoveTasksAsync(name).ConfigureAwait(false);
            await queue.CloseAsync().ConfigureAwait(false);

            // The definition goes first, so a crash half-way leaves a directory that the next open discards.
            Device.DeleteFile(Path.Combine(queue.Directory, QueueCatalog.FileName));
            Device.SyncDirectory(queue.Directory);
            Device.DeleteDirectory(queue.Directory);
            return true;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>
    /// Moves up to <paramref name="maxMessages"/> messages from a dead-letter queue to <paramref name="destinationQueue"/>,
    /// or, when it is null, back to the queue each message was dead-lettered from. Returns how many moved.
    /// Each message is durable in its destination before it leaves the source.
    /// </summary>
    public async ValueTask<int> RedriveAsync(
        string deadLetterQueue, string? destinationQueue, int maxMessages, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (!TryGetQueue(deadLetterQueue, out var source))
        {
            throw new ArgumentException($"Queue '{deadLetterQueue}' does not exist.", nameof(deadLetterQueue));
        }

        if (destinationQueue is not null)
        {
            if (!TryGetQueue(destinationQueue, out var destination))
            {
                throw new ArgumentException($"Queue '{destinationQueue}' does not exist.", nameof(destinationQueue));
            }

            EnsureSameKind(source, destination);
        }

        return await source.RedriveAsync(destinationQueue, maxMessages, cancellationToken).ConfigureAwait(false);
    }

    // A FIFO message carries its group, which a standard queue has no place for, and a standard message has none to
    // give a FIFO queue: moves stay within one kind, as dead-letter queues do.
    private static void EnsureSameKind(MessageQueue source, MessageQueue destination)
    {
        if (source.Definition.FifoQueue != destination.Definition.FifoQueue)
        {
            throw new ArgumentException(
                $"Messages cannot move between a FIFO and a standard queue ('{source.Name}' to '{destination.Name}').", "destinationQueue");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        MessageQueue[] all;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            all = [.. queues.Values];
        }

        await StopMoveTasksAsync(null).ConfigureAwait(false);
        await Topics.CloseAsync().ConfigureAwait(false);
        foreach (var queue in all)
        {
            await queue.CloseAsync().ConfigureAwait(false);
        }

        await Streams.CloseAsync().ConfigureAwait(false);
        metrics?.Dispose();
        catalogGate.Dispose();
        directoryLock.Dispose();
    }

    /// <summary>Stops every writer without flushing and closes the files, as a crash would. For crash tests.</summary>
    internal void Crash()
    {
        AbandonMoveTasks();
        Topics.Crash();
        lock (gate)
        {
            disposed = true;
            foreach (var queue in queues.Values)
            {
                queue.Crash();
            }
        }

        Streams.Crash();

        metrics?.Dispose();
        directoryLock.Dispose();
    }

    /// <summary>Throws when a send must be refused: the disk is nearly full, or the storage stopped.</summary>
    internal void EnsureWritable(MessageQueue queue) => EnsureWritable(queue.Log);

    /// <summary>Throws when an append to <paramref name="log"/> must be refused: the disk is nearly full, or it stopped.</summary>
    internal void EnsureWritable(SegmentLog log)
    {
        if (log.Fault is { } fault)
        {
            throw fault as StorageFaultedException ?? new StorageFaultedException(fault.Message, fault);
        }

        var free = RefreshFreeBytes(force: false);
        if (free < Options.MinimumFreeDiskBytes)
        {
            throw new StorageFullException(
                $"The disk holding the data directory is nearly full ({free} bytes free, {Options.MinimumFreeDiskBytes} required); "
                + "sends are refused.");
        }
    }

    private long RefreshFreeBytes(bool force)
    {
        // The free-space check is a syscall: on the send path it runs at most every 250 ms.
        var now = Environment.TickCount64;
        if (force || now - Volatile.Read(ref freeBytesCheckedAt) >= FreeSpaceRefreshMs)
        {
            Volatile.Write(ref freeBytes, Device.GetFreeBytes(Options.DataDirectory));
            Volatile.Write(ref freeBytesCheckedAt, now);
        }

        return Volatile.Read(ref freeBytes);
    }

    private Exception? FirstFault()
    {
        lock (gate)
        {
            return queues.Values.Select(q => q.Log.Fault).FirstOrDefault(f => f is not null) ?? Streams.FirstFault();
        }
    }
}
