using System.Diagnostics.CodeAnalysis;
using Spillway.Messaging.Streams.Internal;

namespace Spillway.Messaging.Streams;

/// <summary>
/// Every stream kept in the engine's data directory (<c>streams/&lt;name&gt;/</c>), beside the queues and on the same
/// storage: definitions, shards and records are durable, and a restart brings every stream back.
/// </summary>
public sealed class StreamStore
{
    private readonly QueueEngine engine;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim catalogGate = new(1, 1);
    private readonly Dictionary<string, DataStream> streams = new(StringComparer.Ordinal);
    private bool closed;

    internal StreamStore(QueueEngine engine)
    {
        this.engine = engine;
        Directory = Path.Combine(engine.Options.DataDirectory, "streams");
    }

    internal string Directory { get; }

    /// <summary>Creates a stream; durable before this completes. <see cref="StreamInUseException"/> when it exists.</summary>
    public async ValueTask<DataStream> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(closed, this);
                if (streams.ContainsKey(definition.Name))
                {
                    throw new StreamInUseException($"Stream {definition.Name} already exists.");
                }
            }

            var stream = DataStream.Create(engine, definition, Path.Combine(Directory, definition.Name));
            lock (gate)
            {
                streams[definition.Name] = stream;
            }

            return stream;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Finds a stream by name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out DataStream? stream)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            return streams.TryGetValue(name, out stream);
        }
    }

    /// <summary>Every stream, in name order.</summary>
    public IReadOnlyList<DataStream> List()
    {
        lock (gate)
        {
            return [.. streams.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Deletes a stream and its records; false when there is none of that name.</summary>
    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DataStream? stream;
            lock (gate)
            {
                if (!streams.Remove(name, out stream))
                {
                    return false;
                }
            }

            await stream.CloseAsync().ConfigureAwait(false);

            // The catalog goes first, so a crash half-way leaves a directory that the next open discards.
            engine.Device.DeleteFile(Path.Combine(stream.Directory, StreamCatalog.FileName));
            engine.Device.SyncDirectory(stream.Directory);
            engine.Device.DeleteDirectory(stream.Directory);
            return true;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Opens every stream found in the data directory.</summary>
    internal void Open(CancellationToken cancellationToken)
    {
        engine.Device.CreateDirectory(Directory);
        foreach (var name in engine.Device.ListDirectories(Directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var directory = Path.Combine(Directory, name);
            var metadata = StreamCatalog.TryRead(engine.Device, directory);
            if (metadata is null || metadata.Definition.Name != name)
            {
                // A stream whose creation crashed before its catalog was durable, or a deleted one: never acknowledged.
                engine.Device.DeleteDirectory(directory);
                continue;
            }

            streams[name] = DataStream.Open(engine, metadata, directory);
        }
    }

    internal async ValueTask CloseAsync()
    {
        DataStream[] all;
        lock (gate)
        {
            closed = true;
            all = [.. streams.Values];
        }

        foreach (var stream in all)
        {
            await stream.CloseAsync().ConfigureAwait(false);
        }
    }

    internal void Crash()
    {
        lock (gate)
        {
            closed = true;
            foreach (var stream in streams.Values)
            {
                stream.Crash();
            }
        }
    }

    internal Exception? FirstFault()
    {
        lock (gate)
        {
            return streams.Values.Select(s => s.Log.Fault).FirstOrDefault(f => f is not null);
        }
    }
}
