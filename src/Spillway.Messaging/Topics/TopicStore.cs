using System.Diagnostics.CodeAnalysis;
using Spillway.Messaging.Topics.Internal;

namespace Spillway.Messaging.Topics;

/// <summary>
/// Every topic kept in the engine's data directory (<c>topics/&lt;name&gt;/</c>): definitions, subscriptions and each
/// topic's journal are durable, and a restart finishes any fan-out a crash interrupted.
/// </summary>
public sealed class TopicStore
{
    private readonly QueueEngine engine;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim catalogGate = new(1, 1);
    private readonly Dictionary<string, Topic> topics = new(StringComparer.Ordinal);
    private bool closed;

    internal TopicStore(QueueEngine engine)
    {
        this.engine = engine;
        Directory = Path.Combine(engine.Options.DataDirectory, "topics");
    }

    internal string Directory { get; }

    /// <summary>
    /// Raised after a topic is created or deleted, or a subscription is added, changed or removed (durably), so a delivery
    /// worker can start or stop draining the subscriptions' queues without polling. Handlers must be quick and not throw.
    /// </summary>
    public event Action? Changed;

    internal void OnChanged() => Changed?.Invoke();

    /// <summary>
    /// Creates a topic, durable before this completes, or returns the existing one of that name when its kind and
    /// attributes are the same (SNS's CreateTopic is idempotent). <see cref="ArgumentException"/> when they differ.
    /// </summary>
    public async ValueTask<Topic> CreateAsync(TopicDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definition.Validate();
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(closed, this);
                if (topics.TryGetValue(definition.Name, out var existing))
                {
                    return existing.Definition.ContentBasedDeduplication == definition.ContentBasedDeduplication
                        ? existing
                        : throw new ArgumentException($"Topic {definition.Name} already exists with different attributes.", nameof(definition));
                }
            }

            var topic = Topic.Create(engine, definition, Path.Combine(Directory, definition.Name));
            lock (gate)
            {
                topics[definition.Name] = topic;
            }

            OnChanged();
            return topic;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Finds a topic by name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out Topic? topic)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            return topics.TryGetValue(name, out topic);
        }
    }

    /// <summary>Every topic, in name order.</summary>
    public IReadOnlyList<Topic> List()
    {
        lock (gate)
        {
            return [.. topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Finds the topic holding a subscription.</summary>
    public bool TryFindSubscription(Guid id, [NotNullWhen(true)] out Topic? topic, [NotNullWhen(true)] out Subscription? subscription)
    {
        foreach (var candidate in List())
        {
            if (candidate.FindSubscription(id) is { } found)
            {
                topic = candidate;
                subscription = found;
                return true;
            }
        }

        topic = null;
        subscription = null;
        return false;
    }

    /// <summary>Deletes a topic with its subscriptions; false when there is none of that name.</summary>
    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Topic? topic;
            lock (gate)
            {
                if (!topics.Remove(name, out topic))
                {
                    return false;
                }
            }

            await topic.CloseAsync().ConfigureAwait(false);

            // The catalog goes first, so a crash half-way leaves a directory that the next open discards.
            engine.Device.DeleteFile(Path.Combine(topic.Directory, TopicCatalog.FileName));
            engine.Device.SyncDirectory(topic.Directory);
            engine.Device.DeleteDirectory(topic.Directory);
            foreach (var owned in topic.Subscriptions.Where(s => s.OwnsDeliveryQueue && s.DeliveryQueue is not null))
            {
                await engine.DeleteQueueAsync(owned.DeliveryQueue!, CancellationToken.None).ConfigureAwait(false);
            }

            OnChanged();
            return true;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>
    /// Deletes the delivery queues (tagged <see cref="TopicLimits.DeliveryQueueTag"/>) that no subscription names any more:
    /// a crash between an unsubscribe's catalog write and its queue's deletion leaves one. Returns how many went.
    /// </summary>
    public async ValueTask<int> DeleteOrphanedDeliveryQueuesAsync(CancellationToken cancellationToken = default)
    {
        var named = List().SelectMany(t => t.Subscriptions).Select(s => s.DeliveryQueue).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var queue in engine.ListQueues())
        {
            if (queue.Definition.Tags.ContainsKey(TopicLimits.DeliveryQueueTag) && !named.Contains(queue.Name)
                && await engine.DeleteQueueAsync(queue.Name, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Opens every topic found in the data directory, after the queues they deliver to.</summary>
    internal void Open(CancellationToken cancellationToken)
    {
        engine.Device.CreateDirectory(Directory);
        foreach (var name in engine.Device.ListDirectories(Directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var directory = Path.Combine(Directory, name);
            if (TopicCatalog.TryRead(engine.Device, directory) is not { } stored || stored.Definition.Name != name)
            {
                // A topic whose creation crashed before its catalog was durable, or a deleted one: never acknowledged.
                engine.Device.DeleteDirectory(directory);
                continue;
            }

            topics[name] = Topic.Open(engine, stored.Definition, stored.Subscriptions, directory);
        }
    }

    /// <summary>Closes every topic: before the queues, which their deliveries write into.</summary>
    internal async ValueTask CloseAsync()
    {
        Topic[] all;
        lock (gate)
        {
            closed = true;
            all = [.. topics.Values];
        }

        foreach (var topic in all)
        {
            await topic.CloseAsync().ConfigureAwait(false);
        }
    }

    internal void Crash()
    {
        lock (gate)
        {
            closed = true;
            foreach (var topic in topics.Values)
            {
                topic.Crash();
            }
        }
    }
}
