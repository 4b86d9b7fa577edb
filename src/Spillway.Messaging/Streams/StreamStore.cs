using System.Diagnostics.CodeAnalysis;

namespace Spillway.Messaging.Streams;

/// <summary>
/// Every stream kept in the engine's data directory (<c>streams/&lt;name&gt;/</c>), beside the queues and on the same
/// storage: definitions, shards and records are durable, and a restart brings every stream back.
/// </summary>
public sealed class StreamStore
{
    private readonly QueueEngine engine;

    internal StreamStore(QueueEngine engine)
    {
        this.engine = engine;
    }

    /// <summary>Creates a stream; durable before this completes. <see cref="StreamInUseException"/> when it exists.</summary>
    public ValueTask<DataStream> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Finds a stream by name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out DataStream? stream) => throw new NotImplementedException();

    /// <summary>Every stream, in name order.</summary>
    public IReadOnlyList<DataStream> List() => throw new NotImplementedException();

    /// <summary>Deletes a stream and its records; false when there is none of that name.</summary>
    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
