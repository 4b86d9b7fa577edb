using System.Diagnostics.CodeAnalysis;

namespace Spillway.Messaging;

/// <summary>
/// Opens and owns every queue kept in one data directory. Queue definitions and messages are durable:
/// a restart brings back every queue and every message that was not deleted.
/// </summary>
public sealed class QueueEngine : IAsyncDisposable
{
    private QueueEngine()
    {
    }

    /// <summary>Opens the engine, recovering every queue found in <see cref="QueueEngineOptions.DataDirectory"/>.</summary>
    public static ValueTask<QueueEngine> OpenAsync(QueueEngineOptions options, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Whether the storage accepts new messages, and why not when it does not.</summary>
    public StorageStatus Status => throw new NotImplementedException();

    /// <summary>
    /// Creates a queue, or returns the existing one when a queue of that name exists. The definition is durable
    /// before this completes.
    /// </summary>
    public ValueTask<MessageQueue> CreateQueueAsync(QueueDefinition definition, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Finds a queue by name.</summary>
    public bool TryGetQueue(string name, [NotNullWhen(true)] out MessageQueue? queue) => throw new NotImplementedException();

    /// <summary>Every queue, in name order.</summary>
    public IReadOnlyList<MessageQueue> ListQueues() => throw new NotImplementedException();

    /// <summary>Deletes a queue and its messages.</summary>
    public ValueTask<bool> DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>
    /// Moves up to <paramref name="maxMessages"/> messages from a dead-letter queue to <paramref name="destinationQueue"/>,
    /// or, when it is null, back to the queue each message was dead-lettered from. Returns how many moved.
    /// Each message is durable in its destination before it leaves the source.
    /// </summary>
    public ValueTask<int> RedriveAsync(
        string deadLetterQueue, string? destinationQueue, int maxMessages, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
