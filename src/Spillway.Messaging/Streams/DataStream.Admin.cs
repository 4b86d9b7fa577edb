using Spillway.Messaging.Streams.Internal;

namespace Spillway.Messaging.Streams;

/// <summary>Settings, tags, registered consumers and checkpoints: each change is durable before the call completes.</summary>
public sealed partial class DataStream
{
    /// <summary>Adds or replaces <paramref name="add"/> and removes <paramref name="remove"/>; durable before this completes.</summary>
    public ValueTask SetTagsAsync(
        IReadOnlyDictionary<string, string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        foreach (var (key, value) in add)
        {
            if (string.IsNullOrEmpty(key) || key.Length > StreamLimits.MaxTagKeyLength)
            {
                throw new ArgumentException($"A tag key has 1-{StreamLimits.MaxTagKeyLength} characters.", nameof(add));
            }

            if (value is null || value.Length > StreamLimits.MaxTagValueLength)
            {
                throw new ArgumentException($"Tag '{key}' needs a value of at most {StreamLimits.MaxTagValueLength} characters.", nameof(add));
            }
        }

        return UpdateCatalogAsync(
            () =>
            {
                var next = new Dictionary<string, string>(tags, StringComparer.Ordinal);
                foreach (var key in remove)
                {
                    next.Remove(key);
                }

                foreach (var (key, value) in add)
                {
                    next[key] = value;
                }

                if (next.Count > StreamLimits.MaxTags)
                {
                    throw new StreamLimitExceededException($"A stream carries at most {StreamLimits.MaxTags} tags, not {next.Count}.");
                }

                var before = tags;
                tags = next;
                return () => tags = before;
            },
            cancellationToken);
    }

    /// <summary>Changes how long records are kept (whole hours, 24 to 8,760); durable before this completes.</summary>
    public async ValueTask SetRetentionAsync(TimeSpan retention, CancellationToken cancellationToken = default)
    {
        StreamDefinition.ValidateRetention(retention, nameof(retention));
        await UpdateCatalogAsync(
            () =>
            {
                var before = definition;
                definition = definition with { Retention = retention };
                return () => definition = before;
            },
            cancellationToken).ConfigureAwait(false);
        ReclaimExpired();
    }

    /// <summary>Switches between provisioned and on-demand; durable before this completes.</summary>
    public ValueTask SetModeAsync(StreamMode mode, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentException($"Stream mode {(int)mode} is not defined.", nameof(mode));
        }

        return UpdateCatalogAsync(
            () =>
            {
                var before = definition;
                definition = definition with { Mode = mode };
                return () => definition = before;
            },
            cancellationToken);
    }

    /// <summary>Registers a consumer for enhanced fan-out; <see cref="StreamInUseException"/> when one of that name exists.</summary>
    public async ValueTask<RegisteredConsumer> RegisterConsumerAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateConsumerName(name, nameof(name));
        var consumer = new RegisteredConsumer(name, null, Time.GetUtcNow());
        await UpdateCatalogAsync(
            () =>
            {
                if (consumers.Any(c => c.Name == name))
                {
                    throw new StreamInUseException($"Consumer {name} of stream {Name} exists.");
                }

                if (consumers.Count >= StreamLimits.MaxRegisteredConsumers)
                {
                    throw new StreamLimitExceededException($"A stream has at most {StreamLimits.MaxRegisteredConsumers} registered consumers.");
                }

                var before = consumers;
                consumers = [.. consumers.Append(consumer).OrderBy(c => c.Name, StringComparer.Ordinal)];
                return () => consumers = before;
            },
            cancellationToken).ConfigureAwait(false);
        return consumer;
    }

    /// <summary>Removes a registered consumer; false when there is none of that name.</summary>
    public async ValueTask<bool> DeregisterConsumerAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = false;
        await UpdateCatalogAsync(
            () =>
            {
                var before = consumers;
                found = consumers.Any(c => c.Name == name);
                consumers = [.. consumers.Where(c => c.Name != name)];
                return () => consumers = before;
            },
            cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <summary>The last sequence number <paramref name="consumer"/> processed in <paramref name="shardId"/>, or null.</summary>
    public string? GetCheckpoint(string consumer, string shardId)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(shardId);
        lock (gate)
        {
            return checkpoints.GetValueOrDefault(consumer)?.GetValueOrDefault(shardId);
        }
    }

    /// <summary>Records that <paramref name="consumer"/> processed <paramref name="shardId"/> up to and including
    /// <paramref name="sequenceNumber"/>; durable before this completes.</summary>
    public async ValueTask SaveCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken = default)
    {
        ValidateConsumerName(consumer, nameof(consumer));
        lock (gate)
        {
            var shard = ShardById(shardId, nameof(shardId));
            if (!StreamCodec.TryParseSequenceNumber(sequenceNumber, out _, out var number) || number != shard.Number)
            {
                throw new ArgumentException($"Sequence number '{sequenceNumber}' is not one of shard {shard.Id}.", nameof(sequenceNumber));
            }
        }

        await checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Dictionary<string, Dictionary<string, string>> next;
            lock (gate)
            {
                ThrowIfClosed();
                next = new(checkpoints, StringComparer.Ordinal);
                next[consumer] = new(next.GetValueOrDefault(consumer) ?? [], StringComparer.Ordinal) { [shardId] = sequenceNumber };
            }

            StreamCatalog.WriteCheckpoints(engine.Device, Directory, next);
            lock (gate)
            {
                checkpoints = next;
            }
        }
        finally
        {
            checkpointGate.Release();
        }
    }

    private static void ValidateConsumerName(string name, string parameterName)
    {
        if (!StreamLimits.IsValidIdentifier(name))
        {
            throw new ArgumentException($"Consumer name '{name}' is invalid: {StreamLimits.NameRule}.", parameterName);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> under the lock and writes the catalog; when the write fails the change is
    /// undone with what <paramref name="change"/> returned, so memory never runs ahead of the disk.
    /// </summary>
    private async ValueTask UpdateCatalogAsync(Func<Action> change, CancellationToken cancellationToken)
    {
        await adminGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                ThrowIfClosed();
                var undo = change();
                try
                {
                    StreamCatalog.Write(engine.Device, Directory, Snapshot());
                }
                catch
                {
                    undo();
                    throw;
                }
            }
        }
        finally
        {
            adminGate.Release();
        }
    }
}
