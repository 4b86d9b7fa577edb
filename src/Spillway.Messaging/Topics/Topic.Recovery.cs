using Spillway.Messaging.Topics.Internal;
using Spillway.Storage;

namespace Spillway.Messaging.Topics;

public sealed partial class Topic
{
    // Deliveries the last run left unfinished, repeated in journal order before any new publish's.
    private Task recovery = Task.CompletedTask;

    /// <summary>
    /// Opens the journal. Publishes without their done record are delivered again in journal order (under the same
    /// idempotency keys, so a queue that already holds one keeps one copy); new publishes wait their turn behind them.
    /// A FIFO topic also gets back the deduplication ids of its last five minutes.
    /// </summary>
    private void OpenJournal()
    {
        var published = new SortedDictionary<long, (Notification Notification, Guid[] Targets)>();
        var done = new HashSet<long>();
        var options = new SegmentLogOptions { SegmentSize = engine.Options.SegmentSize, MaxRecordSize = 2 * TopicLimits.MaxMessageBytes + 65536 };
        journal = SegmentLog.Open(
            engine.Device,
            Path.Combine(Directory, "journal"),
            (position, type, payload) =>
            {
                switch (type)
                {
                    case TopicJournal.PublishBinaryType:
                        published[position] = TopicJournal.DecodePublishBinary(payload);
                        break;
                    case TopicJournal.PublishType:
                        published[position] = TopicJournal.DecodePublish(payload);
                        break;
                    case TopicJournal.DoneType:
                        done.UnionWith(TopicJournal.DecodeDone(payload.ToArray()));
                        break;
                    default:
                        throw new InvalidDataException($"Topic {Name}'s journal holds a record of unknown type {type} at {position}.");
                }
            },
            options,
            engine.Time);

        var nowMs = engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var unfinished = new List<(long Position, Notification Notification, Guid[] Targets)>();
        foreach (var (position, (notification, targets)) in published)
        {
            if (notification.DeduplicationId is { } id
                && nowMs - notification.Timestamp.ToUnixTimeMilliseconds() < TopicLimits.DeduplicationWindow.TotalMilliseconds)
            {
                deduplication[id] = new Seen(new PublishResult(notification.MessageId, notification.SequenceNumber), Task.CompletedTask);
                deduplicationOrder.Enqueue((id, notification.Timestamp.ToUnixTimeMilliseconds(), position));
            }

            if (targets.Length > 0 && !done.Contains(position))
            {
                unfinished.Add((position, notification, targets));
                openEntries.Add(position);
            }
        }

        if (unfinished.Count > 0)
        {
            // New publishes hand over only once this is done (PublishAsync awaits it), so the queues keep journal order.
            recovery = Task.Run(() => RedeliverAsync(unfinished));
        }
        else
        {
            lock (gate)
            {
                ReleaseJournal();
            }
        }
    }

    private async Task RedeliverAsync(List<(long Position, Notification Notification, Guid[] Targets)> unfinished)
    {
        foreach (var (position, notification, targetIds) in unfinished)
        {
            // A subscription removed since is not delivered to; one still there gets its copy.
            var current = Volatile.Read(ref subscriptions);
            var targets = targetIds.Select(id => Array.Find(current, s => s.Id == id)).OfType<Subscription>().ToArray();
            try
            {
                await Send(notification, targets).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageFaultedException or StorageFullException)
            {
                // The storage refuses writes: what is left stays in the journal for the next open.
                return;
            }

            MarkDone(position);
        }
    }

    /// <summary>Publishes whose deliveries are not all durable yet (after a crash, until they are repeated).</summary>
    public int UnfinishedDeliveries
    {
        get
        {
            lock (gate)
            {
                return openEntries.Count;
            }
        }
    }
}
