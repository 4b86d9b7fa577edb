using Spillway.Messaging.Internal;

namespace Spillway.Messaging;

public sealed partial class QueueEngine
{
    /// <summary>
    /// Changes a queue's attributes, as SQS's SetQueueAttributes: <paramref name="change"/> gets the current definition
    /// and returns the new one (<c>d =&gt; d with { VisibilityTimeout = ... }</c>). The new definition is validated with
    /// SQS's ranges and is durable before this completes; on any error nothing changes. The name and the tags cannot
    /// change here (tags change through <see cref="TagQueueAsync"/>). New values apply to later operations: messages
    /// already in flight keep their visibility timeout, messages already sent keep their delay.
    /// </summary>
    public ValueTask<QueueDefinition> SetQueueAttributesAsync(
        string queueName, Func<QueueDefinition, QueueDefinition> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return UpdateDefinitionAsync(
            queueName,
            current =>
            {
                var updated = change(current) ?? throw new ArgumentException("The new definition is null.", nameof(change));
                if (updated.Name != current.Name)
                {
                    throw new ArgumentException($"A queue cannot be renamed ('{current.Name}' to '{updated.Name}').", nameof(change));
                }

                // A FIFO queue stays FIFO (as in SQS); its deduplication window is keyed by scope, so the scope is
                // fixed at creation too.
                if (updated.FifoQueue != current.FifoQueue || updated.DeduplicationScope != current.DeduplicationScope)
                {
                    throw new ArgumentException("FifoQueue and DeduplicationScope cannot change after a queue is created.", nameof(change));
                }

                if (!SameTags(updated.Tags, current.Tags))
                {
                    throw new ArgumentException("Tags change through TagQueueAsync and UntagQueueAsync.", nameof(change));
                }

                return updated;
            },
            cancellationToken);
    }

    /// <summary>
    /// Adds tags to a queue or overwrites the values of keys it has, as SQS's TagQueue. Refused, with nothing changed,
    /// when a key or value breaks SQS's rules or the queue would have more than 50 tags. Durable before this completes.
    /// </summary>
    public async ValueTask TagQueueAsync(
        string queueName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        await UpdateDefinitionAsync(
            queueName,
            current =>
            {
                var merged = new Dictionary<string, string>(current.Tags, StringComparer.Ordinal);
                foreach (var (key, value) in tags)
                {
                    merged[key] = value;
                }

                DefinitionRules.ValidateTags(tags, merged.Count);
                return current with { Tags = QueueCatalog.Freeze(merged.Select(t => (t.Key, t.Value))) };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes tags from a queue, as SQS's UntagQueue; keys the queue does not have are ignored.</summary>
    public async ValueTask UntagQueueAsync(string queueName, IEnumerable<string> tagKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tagKeys);
        var removed = tagKeys.ToHashSet(StringComparer.Ordinal);
        await UpdateDefinitionAsync(
            queueName,
            current => current with
            {
                Tags = QueueCatalog.Freeze(current.Tags.Where(t => !removed.Contains(t.Key)).Select(t => (t.Key, t.Value))),
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A queue's tags, as SQS's ListQueueTags.</summary>
    public IReadOnlyDictionary<string, string> ListQueueTags(string queueName) => RequireQueue(queueName).Definition.Tags;

    /// <summary>The queues whose redrive policy names <paramref name="deadLetterQueue"/>, in name order.</summary>
    public IReadOnlyList<string> ListDeadLetterSourceQueues(string deadLetterQueue)
    {
        RequireQueue(deadLetterQueue);
        return [.. ListQueues().Where(q => q.Definition.RedrivePolicy?.DeadLetterQueue == deadLetterQueue).Select(q => q.Name)];
    }

    private MessageQueue RequireQueue(string queueName) =>
        TryGetQueue(queueName, out var queue) ? queue : throw new ArgumentException($"Queue '{queueName}' does not exist.", nameof(queueName));

    /// <summary>Validates the changed definition, writes it (atomically, fsynced) and only then makes it the queue's.</summary>
    private async ValueTask<QueueDefinition> UpdateDefinitionAsync(
        string queueName, Func<QueueDefinition, QueueDefinition> change, CancellationToken cancellationToken)
    {
        await catalogGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var queue = RequireQueue(queueName);
            var updated = change(queue.Definition);
            DefinitionRules.Validate(updated);
            EnsureRedriveAllowed(updated);
            QueueCatalog.Write(Device, queue.Directory, updated);
            queue.Definition = updated;
            return updated;
        }
        finally
        {
            catalogGate.Release();
        }
    }

    /// <summary>Refuses a redrive policy naming an existing dead-letter queue whose redrive-allow policy excludes this queue.</summary>
    private void EnsureRedriveAllowed(QueueDefinition definition)
    {
        if (definition.RedrivePolicy is { } redrive
            && TryGetQueue(redrive.DeadLetterQueue, out var deadLetterQueue)
            && deadLetterQueue.Definition.RedriveAllowPolicy is { } allow
            && !allow.Allows(definition.Name))
        {
            throw new ArgumentException(
                $"Queue '{redrive.DeadLetterQueue}' does not allow '{definition.Name}' to use it as its dead-letter queue "
                + $"(its RedriveAllowPolicy is {allow.Permission}).",
                nameof(definition));
        }
    }

    private static bool SameTags(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        ReferenceEquals(a, b) || (a.Count == b.Count && a.All(t => b.TryGetValue(t.Key, out var v) && v == t.Value));
}
