using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Spillway.DeliveryStreams.Destinations;
using Spillway.DeliveryStreams.Internal;
using Spillway.DeliveryStreams.Transform;
using Spillway.Storage;

namespace Spillway.DeliveryStreams;

/// <summary>A delivery stream with that name exists already (Firehose's ResourceInUseException).</summary>
public sealed class DeliveryStreamExistsException(string name) : Exception($"Firehose {name} under account already exists.");

/// <summary>
/// Every delivery stream of the server, each in its own directory under <see cref="Directory"/>: its settings
/// (<c>stream.json</c>, replaced atomically) and its log. Opening the store opens every stream and resumes its deliveries.
/// </summary>
public sealed class DeliveryStreamStore : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly SemaphoreSlim catalogGate = new(1, 1);
    private readonly Dictionary<string, (DeliveryStream Stream, DateTimeOffset CreatedAt)> streams = new(StringComparer.Ordinal);
    private readonly IStorageDevice device;
    private readonly DeliveryWriter writer;
    private readonly TimeProvider time;
    private readonly DeliveryFunctions functions;
    private readonly DeliveryDatabases databases;
    private DeliveryMetrics? metrics;

    private DeliveryStreamStore(
        IStorageDevice device, string directory, DeliveryWriter writer, TimeProvider time, DeliveryFunctions functions, DeliveryDatabases databases)
    {
        this.device = device;
        Directory = directory;
        this.writer = writer;
        this.time = time;
        this.functions = functions;
        this.databases = databases;
    }

    /// <summary>The name of the delivery streams' meter.</summary>
    public const string MeterName = "Spillway.DeliveryStreams";

    /// <summary>Where the streams are kept.</summary>
    public string Directory { get; }

    /// <summary>Opens every delivery stream kept in <paramref name="directory"/>, which is created when missing; their
    /// instruments go on <paramref name="meterFactory"/>'s meter <see cref="MeterName"/>, their transforms (and HTTP
    /// endpoint deliveries) reach functions through <paramref name="functions"/> (by default: http(s) URLs only), and their
    /// SQL table destinations the databases of <paramref name="databases"/> (by default: none).</summary>
    public static DeliveryStreamStore Open(
        IStorageDevice device,
        string directory,
        DeliveryWriter writer,
        TimeProvider? time = null,
        IMeterFactory? meterFactory = null,
        DeliveryFunctions? functions = null,
        DeliveryDatabases? databases = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(writer);
        var store = new DeliveryStreamStore(
            device, directory, writer, time ?? TimeProvider.System, functions ?? new DeliveryFunctions(), databases ?? new DeliveryDatabases());
        device.CreateDirectory(directory);
        foreach (var name in device.ListDirectories(directory))
        {
            var path = Path.Combine(directory, name);
            if (DeliveryCatalog.TryRead(device, path) is not { } stored || stored.Definition.Name != name)
            {
                // A stream whose creation crashed before its settings were durable, or a deleted one: never acknowledged.
                device.DeleteDirectory(path);
                continue;
            }

            var stream = DeliveryStream.Open(
                device, LogDirectory(path), stored.Definition, writer, store.time, store.functions, store.databases, stored.CreatedAt);
            store.streams[name] = (stream, stored.CreatedAt);
        }

        store.metrics = new DeliveryMetrics(meterFactory, store.List);
        return store;
    }

    /// <summary>Creates a delivery stream, durably.</summary>
    /// <exception cref="DeliveryStreamExistsException">One of that name exists.</exception>
    /// <exception cref="ArgumentException">The definition breaks a rule; the message says which.</exception>
    public async ValueTask<DeliveryStream> CreateAsync(DeliveryStreamDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        CheckFunction(definition);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryGet(definition.Name, out _))
            {
                throw new DeliveryStreamExistsException(definition.Name);
            }

            var path = Path.Combine(Directory, definition.Name);
            device.DeleteDirectory(path);
            device.CreateDirectory(path);
            var createdAt = time.GetUtcNow();
            DeliveryCatalog.Write(device, path, definition, createdAt);
            var stream = DeliveryStream.Open(device, LogDirectory(path), definition, writer, time, functions, databases, createdAt);
            lock (gate)
            {
                streams[definition.Name] = (stream, createdAt);
            }

            return stream;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>The stream of that name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out DeliveryStream? stream)
    {
        lock (gate)
        {
            stream = streams.TryGetValue(name, out var found) ? found.Stream : null;
            return stream is not null;
        }
    }

    /// <summary>When the stream was created; null when there is none of that name.</summary>
    public DateTimeOffset? CreatedAt(string name)
    {
        lock (gate)
        {
            return streams.TryGetValue(name, out var found) ? found.CreatedAt : null;
        }
    }

    /// <summary>Every stream, in name order.</summary>
    public IReadOnlyList<DeliveryStream> List()
    {
        lock (gate)
        {
            return [.. streams.Values.Select(s => s.Stream).OrderBy(s => s.Definition.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Changes a stream's settings (<paramref name="change"/> gets the current ones): what was buffered is delivered under
    /// the old settings first, the version rises by one, and the new settings are durable before they apply.
    /// </summary>
    public async ValueTask<DeliveryStreamDefinition?> UpdateAsync(
        string name, Func<DeliveryStreamDefinition, DeliveryStreamDefinition> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!TryGet(name, out var stream))
            {
                return null;
            }

            var current = stream.Definition;
            var next = change(current) with { Name = current.Name, Version = current.Version + 1 };
            next.Validate();
            CheckFunction(next);
            var createdAt = CreatedAt(name) ?? time.GetUtcNow();
            await stream.ChangeAsync(
                next,
                _ =>
                {
                    DeliveryCatalog.Write(device, Path.Combine(Directory, name), next, createdAt);
                    return Task.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);
            return next;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Replaces a stream's tags, durably; the destination's version stays. False when there is no such stream.</summary>
    public async ValueTask<bool> SetTagsAsync(string name, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!TryGet(name, out var stream))
            {
                return false;
            }

            var next = stream.Definition with { Tags = tags };
            DeliveryCatalog.Write(device, Path.Combine(Directory, name), next, CreatedAt(name) ?? time.GetUtcNow());
            stream.Retag(tags);
            return true;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Deletes a stream with the records it still buffers; false when there is none of that name.</summary>
    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DeliveryStream? stream;
            lock (gate)
            {
                if (!streams.Remove(name, out var found))
                {
                    return false;
                }

                stream = found.Stream;
            }

            await stream.DisposeAsync().ConfigureAwait(false);

            // The settings go first, so a crash half-way leaves a directory that the next open discards.
            var path = Path.Combine(Directory, name);
            device.DeleteFile(Path.Combine(path, DeliveryCatalog.FileName));
            device.SyncDirectory(path);
            device.DeleteDirectory(path);
            return true;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Closes every stream; what they still owe is delivered when the store is opened again.</summary>
    public async ValueTask DisposeAsync()
    {
        List<DeliveryStream> open;
        lock (gate)
        {
            open = [.. streams.Values.Select(s => s.Stream)];
            streams.Clear();
        }

        foreach (var stream in open)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        metrics?.Dispose();
        catalogGate.Dispose();
    }

    /// <summary>A transform must name a function that can be called: an http(s) URL or a name <see cref="DeliveryFunctions"/>
    /// knows; a SQL table destination a database <see cref="DeliveryDatabases"/> knows.</summary>
    private void CheckFunction(DeliveryStreamDefinition definition)
    {
        if (definition.Transform is { } transform)
        {
            functions.Check(transform.Function);
        }

        if (definition.SqlTable is { } table)
        {
            _ = databases.Resolve(table);
        }
    }

    private static string LogDirectory(string streamDirectory) => Path.Combine(streamDirectory, "log");
}
