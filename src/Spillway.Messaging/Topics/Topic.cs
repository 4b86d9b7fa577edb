using Spillway.Messaging.Topics.Internal;
using Spillway.Storage;

namespace Spillway.Messaging.Topics;

/// <summary>
/// A topic: its definition, its subscriptions (durable in its catalog) and the journal that makes a publish's fan-out
/// to several queues all-or-nothing across a crash.
/// </summary>
public sealed partial class Topic
{
    private readonly QueueEngine engine;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim catalogGate = new(1, 1);
    private TopicDefinition definition;
    private Subscription[] subscriptions;
    private SegmentLog journal = null!;
    private bool closed;
    private bool journalClosed;

    private Topic(QueueEngine engine, TopicDefinition definition, IEnumerable<Subscription> subscriptions, string directory)
    {
        this.engine = engine;
        this.definition = definition;
        this.subscriptions = [.. subscriptions];
        Directory = directory;
    }

    /// <summary>The topic's name.</summary>
    public string Name => definition.Name;

    /// <summary>The topic's current definition.</summary>
    public TopicDefinition Definition => Volatile.Read(ref definition);

    /// <summary>The subscriptions, confirmed or not, in the order they were made.</summary>
    public IReadOnlyList<Subscription> Subscriptions => Volatile.Read(ref subscriptions);

    internal string Directory { get; }

    /// <summary>
    /// Adds a subscription, durable before this completes; an invalid filter policy is refused with
    /// <see cref="Filtering.InvalidFilterPolicyException"/>. An <c>sqs</c> subscription names its queue in
    /// <see cref="Subscription.DeliveryQueue"/>; a FIFO topic takes only FIFO queues. Subscribing the same protocol and
    /// endpoint again returns the existing subscription, as SNS does.
    /// </summary>
    public async ValueTask<Subscription> SubscribeAsync(Subscription subscription, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ValidateFilter(subscription);
        if (subscription.DeliveryQueue is { } queueName && definition.IsFifo && !QueueLimits.IsFifoName(queueName))
        {
            throw new ArgumentException($"A FIFO topic delivers to FIFO queues only; '{queueName}' is a standard queue.", nameof(subscription));
        }

        if (!definition.IsFifo && subscription.DeliveryQueue is { } fifoQueue && QueueLimits.IsFifoName(fifoQueue))
        {
            throw new ArgumentException($"A standard topic cannot deliver to the FIFO queue '{fifoQueue}'.", nameof(subscription));
        }

        if (subscription.OwnsDeliveryQueue)
        {
            subscription = subscription with { DeliveryQueue = TopicLimits.DeliveryQueueName(subscription.Id) };
        }

        return await ChangeCatalogAsync<Subscription>(
            async current =>
            {
                var existing = current.FirstOrDefault(s => s.Protocol == subscription.Protocol && s.Endpoint == subscription.Endpoint);
                if (existing is not null)
                {
                    return (current, existing);
                }

                if (subscription.FilterPolicy is not null
                    && current.Count(s => s.FilterPolicy is not null) >= TopicLimits.MaxFilterPoliciesPerTopic)
                {
                    throw new ArgumentException($"A topic has at most {TopicLimits.MaxFilterPoliciesPerTopic} filter policies.", nameof(subscription));
                }

                // The queue is durable before the catalog names it, so a subscription never points at a missing queue.
                if (subscription.OwnsDeliveryQueue)
                {
                    await engine.CreateQueueAsync(DeliveryQueueDefinition(subscription), cancellationToken).ConfigureAwait(false);
                }

                Subscription[] next = [.. current, subscription];
                return (next, subscription);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a subscription (its attributes, its confirmation); <see cref="TopicNotFoundException"/> when it is gone.</summary>
    public ValueTask<Subscription> UpdateSubscriptionAsync(
        Guid id, Func<Subscription, Subscription> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return ChangeCatalogAsync(
            current =>
            {
                var index = Array.FindIndex(current, s => s.Id == id);
                if (index < 0)
                {
                    throw new TopicNotFoundException($"Subscription {id} does not exist.");
                }

                var changed = change(current[index]) with { Id = id };
                ValidateFilter(changed);
                var next = (Subscription[])current.Clone();
                next[index] = changed;
                return ValueTask.FromResult((next, changed));
            },
            cancellationToken);
    }

    /// <summary>Removes a subscription; false when there is none with that id.</summary>
    public async ValueTask<bool> UnsubscribeAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var removed = await ChangeCatalogAsync(
            current => ValueTask.FromResult<(Subscription[], Subscription?)>(
                Array.Find(current, s => s.Id == id) is { } gone ? ([.. current.Where(s => s.Id != id)], gone) : (current, null)),
            cancellationToken).ConfigureAwait(false);
        policies.TryRemove(id, out _);

        // After the catalog: a crash in between leaves a queue no subscription names, never a subscription without its queue.
        if (removed is { OwnsDeliveryQueue: true, DeliveryQueue: { } queue })
        {
            await engine.DeleteQueueAsync(queue, CancellationToken.None).ConfigureAwait(false);
        }

        return removed is not null;
    }

    /// <summary>Replaces the topic's attributes and tags (its name and kind stay), durable before this completes.</summary>
    public async ValueTask<TopicDefinition> UpdateDefinitionAsync(
        Func<TopicDefinition, TopicDefinition> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changed = change(definition) with { Name = definition.Name };
            changed.Validate();
            TopicCatalog.Write(engine.Device, Directory, changed, subscriptions);
            Volatile.Write(ref definition, changed);
            return changed;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Finds a subscription by id.</summary>
    public Subscription? FindSubscription(Guid id) => Array.Find(Volatile.Read(ref subscriptions), s => s.Id == id);

    /// <summary>
    /// Notes what became of a delivery a delivery worker made from a subscription's own queue: the endpoint took it, or it
    /// was given up (dead-lettered or dropped). These subscriptions count here rather than when their queue takes the message.
    /// </summary>
    public void CountDelivery(Guid subscriptionId, bool delivered)
    {
        var tally = counters.GetOrAdd(subscriptionId, _ => new SubscriptionCounters());
        if (delivered)
        {
            tally.Delivered();
        }
        else
        {
            tally.Failed();
        }
    }

    /// <summary>The queue an owning subscription delivers through: marked with its topic and id, kept as long as SQS keeps
    /// anything, so a delivery outlives any retry policy.</summary>
    private QueueDefinition DeliveryQueueDefinition(Subscription subscription) => new()
    {
        Name = subscription.DeliveryQueue!,
        MessageRetentionPeriod = TopicLimits.DeliveryRetention,
        Tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [TopicLimits.DeliveryQueueTag] = $"{definition.Name}/{subscription.Id:D}",
        },
    };

    private async ValueTask<T> ChangeCatalogAsync<T>(
        Func<Subscription[], ValueTask<(Subscription[] Next, T Result)>> change, CancellationToken cancellationToken)
    {
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(closed, this);
            var (next, result) = await change(subscriptions).ConfigureAwait(false);
            if (!ReferenceEquals(next, subscriptions))
            {
                TopicCatalog.Write(engine.Device, Directory, definition, next);
                Volatile.Write(ref subscriptions, next);
                engine.Topics.OnChanged();
            }

            return result;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    internal static Topic Create(QueueEngine engine, TopicDefinition definition, string directory)
    {
        TopicCatalog.Write(engine.Device, directory, definition, []);
        return Open(engine, definition, [], directory);
    }

    internal static Topic Open(QueueEngine engine, TopicDefinition definition, IEnumerable<Subscription> subscriptions, string directory)
    {
        var topic = new Topic(engine, definition, subscriptions, directory);
        topic.OpenJournal();
        return topic;
    }

    internal async ValueTask CloseAsync()
    {
        Task recovering;
        lock (gate)
        {
            closed = true;
            recovering = recovery;
        }

        await recovering.ConfigureAwait(false);
        await Task.WhenAll(finishings.Values).ConfigureAwait(false);
        lock (gate)
        {
            WriteDone();
            journalClosed = true;
        }

        await journal.DisposeAsync().ConfigureAwait(false);
    }

    internal void Crash()
    {
        lock (gate)
        {
            closed = true;
            journalClosed = true;
        }

        journal.Abandon();
    }
}
