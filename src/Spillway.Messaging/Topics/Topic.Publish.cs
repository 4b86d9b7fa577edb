using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Spillway.Messaging.Internal;
using Spillway.Messaging.Topics.Filtering;
using Spillway.Messaging.Topics.Internal;
using Spillway.Storage;

namespace Spillway.Messaging.Topics;

public sealed partial class Topic
{
    // Journal records that are not handed to their queues yet, in journal order (under the gate). Publishes deliver in
    // journal order: whoever first finds records durable hands all of them over, under the dispatch gate, so every
    // queue of a FIFO topic receives a message group in the same order, and each queue gets one hand-off per journal
    // group instead of one per message.
    private readonly Queue<PendingPublish> undispatched = new();
    private readonly Lock dispatchGate = new();

    // Positions of journal records whose deliveries are not all durable yet; the journal is kept from the oldest.
    private readonly SortedSet<long> openEntries = [];

    // FIFO topics: deduplication ids seen within the window, oldest first, with the answer given then.
    private readonly Dictionary<string, Seen> deduplication = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long AtMs, long Position)> deduplicationOrder = new();

    private readonly ConcurrentDictionary<Guid, SubscriptionCounters> counters = new();

    // Publishes finished since the last done record, written with the next publish (see MarkDone).
    private const int MaxUnwrittenDone = 4096;
    private readonly List<long> unwrittenDone = [];

    // Hand-offs whose queue messages are not all durable yet, by their first journal position; a clean close waits for them.
    private readonly ConcurrentDictionary<long, Task> finishings = new();

    /// <summary>
    /// Publishes a message. Every confirmed subscription whose filter matches gets it in its delivery queue. This
    /// completes once the publish is durable in the topic's journal, one group commit for every matching queue, and its
    /// messages are handed to those queues: a crash before the queues' own fsyncs leaves the publish in the journal, and
    /// the next open delivers it to every one of them (never twice to any). A publish that matches no subscription
    /// stores nothing. <see cref="ArgumentException"/> for invalid input, which stores nothing.
    /// </summary>
    public async ValueTask<PublishResult> PublishAsync(TopicMessage message, CancellationToken cancellationToken = default)
    {
        var fifoIds = TopicMessageRules.Validate(Definition, message);
        cancellationToken.ThrowIfCancellationRequested();
        engine.EnsureWritable(journal);
        PendingPublish pending;
        Task durable;
        PublishResult? duplicate = null;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            var now = engine.Time.GetUtcNow();
            if (fifoIds is { } ids)
            {
                ForgetExpiredDeduplication(now.ToUnixTimeMilliseconds());
                if (deduplication.TryGetValue(ids.DeduplicationId, out var seen))
                {
                    duplicate = seen.Result with { Duplicate = true };
                    durable = seen.Dispatched;
                    pending = null!;
                    goto answer;
                }
            }

            var targets = Match(message);
            var sequenceNumber = definition.IsFifo
                ? (journal.AppendedPosition + 1).ToString("D20", CultureInfo.InvariantCulture)
                : null;
            var notification = new Notification(MessageIds.Create(now), now, message, sequenceNumber, fifoIds?.DeduplicationId);
            var result = new PublishResult(notification.MessageId, sequenceNumber);
            if (targets.Length == 0 && fifoIds is null)
            {
                return result;
            }

            WriteDone();
            var append = journal.Append(TopicJournal.PublishBinaryType, TopicJournal.EncodePublishBinary(notification, targets));
            pending = new PendingPublish(append.Position, notification, targets, result, fifoIds is not null);
            undispatched.Enqueue(pending);
            durable = append.Durable;
            if (targets.Length > 0)
            {
                openEntries.Add(append.Position);
            }

            if (fifoIds is { } fifo)
            {
                deduplication[fifo.DeduplicationId] = new Seen(result, pending.Dispatched!.Task);
                deduplicationOrder.Enqueue((fifo.DeduplicationId, now.ToUnixTimeMilliseconds(), append.Position));
            }
        }

    answer:
        if (duplicate is not null)
        {
            // The first publish of this deduplication id answers for both, once it has been handed to its queues.
            await durable.ConfigureAwait(false);
            return duplicate;
        }

        try
        {
            await durable.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            pending.Dispatched?.TrySetException(e);
            throw;
        }

        if (!recovery.IsCompleted)
        {
            // Deliveries the last run left unfinished go first (a recovery that failed leaves them to the next open).
            await recovery.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Dispatch(pending);
        return pending.Result;
    }

    /// <summary>What each subscription of this topic was sent, filtered out and failed since the topic opened.</summary>
    public SubscriptionStatistics StatisticsOf(Guid subscriptionId) =>
        counters.TryGetValue(subscriptionId, out var c) ? c.Snapshot() : new SubscriptionStatistics(0, 0, 0);

    /// <summary>
    /// Called once <paramref name="mine"/> is durable in the journal; returns once its messages are handed to every target
    /// queue (in its log, or waiting for the queue's append in flight, see <see cref="QueueFeed"/>): from then on the
    /// publish is the journal's to finish (a crash before the queues' own fsyncs is
    /// repaired at the next open), so the publisher waits for one group commit, not two. The first publisher of a group
    /// to get here hands over every durable record at once; the done records follow once every queue has them durably.
    /// </summary>
    private void Dispatch(PendingPublish mine)
    {
        if (Volatile.Read(ref mine.HandedOver))
        {
            return;
        }

        lock (dispatchGate)
        {
            if (mine.HandedOver)
            {
                return;
            }

            var batch = new List<PendingPublish>();
            lock (gate)
            {
                var durable = journal.DurablePosition;
                while (undispatched.TryPeek(out var next) && next.Position < durable)
                {
                    batch.Add(undispatched.Dequeue());
                }
            }

            HandOver(batch);
        }
    }

    /// <summary>
    /// Under the dispatch gate: hands a run of durable publishes, in journal order, to their queues (one append per
    /// standard queue for the whole run), then lets their publishers go.
    /// </summary>
    private void HandOver(List<PendingPublish> batch)
    {
        Task sends;
        var positions = new List<long>(batch.Count);
        try
        {
            var all = new List<Subscription[]>(batch.Count);
            foreach (var publish in batch)
            {
                all.Add(publish.Targets);
                if (publish.Targets.Length > 0)
                {
                    positions.Add(publish.Position);
                }
            }

            sends = Send(batch.ConvertAll(p => p.Notification), all);
        }
        finally
        {
            foreach (var publish in batch)
            {
                Volatile.Write(ref publish.HandedOver, true);
                publish.Dispatched?.TrySetResult();
            }
        }

        if (positions.Count > 0)
        {
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            finishings[positions[0]] = finished.Task;
            _ = FinishAsync(positions, sends, finished);
        }
    }

    /// <summary>Writes the done record once every queue holds the messages durably; a queue's storage failing leaves them open.</summary>
    private async Task FinishAsync(List<long> positions, Task sends, TaskCompletionSource finished)
    {
        try
        {
            await sends.ConfigureAwait(false);
            MarkDone(positions);
        }
        catch (Exception e) when (e is StorageFaultedException or StorageFullException)
        {
            // The journal keeps the publishes; the next open delivers them again under the same keys.
        }
        catch (ObjectDisposedException)
        {
            // A target queue was deleted meanwhile (topics close before queues): nothing is left to deliver to it.
            MarkDone(positions);
        }
        finally
        {
            finishings.TryRemove(positions[0], out _);
            finished.SetResult();
        }
    }

    /// <summary>Hands one notification to every target's queue (a repeat after a crash); see the overload.</summary>
    private Task Send(Notification notification, Subscription[] targets) => Send([notification], [targets]);

    /// <summary>
    /// Hands each notification to every one of its targets' queues, in journal order per queue: one append of the whole
    /// run per standard queue (through its <see cref="QueueFeed"/>), one send per message for a FIFO queue (each enters its queue's log before the next starts).
    /// A target whose queue is gone, or refuses the message as invalid for it, is counted failed and skipped, as SNS
    /// drops a delivery its endpoint rejects; a storage failure fails the returned task.
    /// </summary>
    private Task Send(IReadOnlyList<Notification> notifications, IReadOnlyList<Subscription[]> targets)
    {
        var render = engine.Options.NotificationRenderer ?? NotificationRenderers.Raw;
        var topic = Definition;
        List<Task>? sends = null;
        Dictionary<MessageQueue, QueueRun>? runs = null;
        for (var n = 0; n < notifications.Count; n++)
        {
            var notification = notifications[n];
            foreach (var target in targets[n])
            {
                var tally = counters.GetOrAdd(target.Id, static _ => new SubscriptionCounters());
                if (target.DeliveryQueue is not { } queueName || !engine.TryGetQueue(queueName, out var queue))
                {
                    tally.Failed();
                    continue;
                }

                var outgoing = render(topic, target, notification);
                if (topic.IsFifo)
                {
                    outgoing = outgoing with
                    {
                        MessageGroupId = notification.Published.MessageGroupId,
                        MessageDeduplicationId = notification.DeduplicationId,
                    };
                }

                if (queue.Definition.FifoQueue)
                {
                    (sends ??= []).Add(SendOneAsync(queue, outgoing, IdempotencyKey(target, notification), tally, CountsOnAppend(target)));
                    continue;
                }

                runs ??= new Dictionary<MessageQueue, QueueRun>(ReferenceEqualityComparer.Instance);
                if (!runs.TryGetValue(queue, out var run))
                {
                    runs[queue] = run = new QueueRun();
                }

                run.Messages.Add(outgoing);
                run.Keys.Add(IdempotencyKey(target, notification));
                run.Tallies.Add(tally);
                run.CountDelivered.Add(CountsOnAppend(target));
            }
        }

        if (runs is not null)
        {
            foreach (var (queue, run) in runs)
            {
                (sends ??= []).Add(FeedOf(queue).Send(run));
            }
        }

        return sends is null ? Task.CompletedTask : sends.Count == 1 ? sends[0] : Task.WhenAll(sends);
    }

    /// <summary>One standard queue's share of a hand-off, as one append; counted as <see cref="SendOneAsync"/> counts.</summary>
    private static Task SendRun(MessageQueue queue, QueueRun run)
    {
        var refused = new bool[run.Messages.Count];
        Task sent;
        try
        {
            sent = queue.AppendDeliveries(run.Messages, run.Keys, refused);
        }
        catch (ObjectDisposedException)
        {
            run.Tallies.ForEach(t => t.Failed());
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            sent = Task.FromException(e);
        }

        for (var i = 0; i < refused.Length; i++)
        {
            if (refused[i])
            {
                run.Tallies[i].Failed();
            }
            else if (run.CountDelivered[i])
            {
                run.Tallies[i].Delivered();
            }
        }

        return sent;
    }

    /// <summary>
    /// Sends one delivery. It counts as delivered once its queue has taken it into its log (the journal answers for it
    /// from there), failed when the queue refuses it as invalid or is gone; a storage failure is the caller's.
    /// </summary>
    private static Task SendOneAsync(MessageQueue queue, OutgoingMessage outgoing, string key, SubscriptionCounters tally, bool countDelivered)
    {
        var sent = queue.SendBatchAsync([outgoing], key, CancellationToken.None).AsTask();
        if (sent.IsFaulted && sent.Exception.InnerException is ArgumentException or ObjectDisposedException)
        {
            tally.Failed();
            return Task.CompletedTask;
        }

        if (countDelivered)
        {
            tally.Delivered();
        }

        return sent;
    }

    // A subscription with its own delivery queue counts once its endpoint took the message (CountDelivery), not on append.
    private static bool CountsOnAppend(Subscription target) => !target.OwnsDeliveryQueue;

    // One key per subscription and message: two subscriptions of one queue each deliver their copy, as in SNS.
    private static string IdempotencyKey(Subscription target, Notification notification) =>
        $"sns:{target.Id:N}:{notification.MessageId:N}";

    /// <summary>
    /// Notes a publish whose deliveries are all durable. Its done record rides along with the next publish's group commit
    /// (or goes out once many wait, or at a clean close) instead of costing an fsync of its own: a done record lost in a
    /// crash only makes the next open send that publish again, which its queues' keys turn into nothing.
    /// </summary>
    private void MarkDone(long position) => MarkDone([position]);

    private void MarkDone(List<long> positions)
    {
        lock (gate)
        {
            if (journalClosed)
            {
                return;
            }

            foreach (var position in positions)
            {
                unwrittenDone.Add(position);
                openEntries.Remove(position);
                if (unwrittenDone.Count >= MaxUnwrittenDone)
                {
                    WriteDone();
                }
            }

            ReleaseJournal();
        }
    }

    /// <summary>Under the lock: appends the done record of every publish noted since the last one.</summary>
    private void WriteDone()
    {
        if (unwrittenDone.Count > 0)
        {
            journal.Append(TopicJournal.DoneType, TopicJournal.EncodeDone(unwrittenDone));
            unwrittenDone.Clear();
        }
    }

    /// <summary>Under the lock: lets the journal drop segments nothing needs (open deliveries, FIFO deduplication).</summary>
    private void ReleaseJournal()
    {
        var keepFrom = openEntries.Count > 0 ? openEntries.Min : journal.AppendedPosition;
        if (deduplicationOrder.TryPeek(out var oldest))
        {
            keepFrom = Math.Min(keepFrom, oldest.Position);
        }

        journal.DeleteSegmentsBefore(keepFrom);
    }

    private void ForgetExpiredDeduplication(long nowMs)
    {
        var horizon = nowMs - (long)TopicLimits.DeduplicationWindow.TotalMilliseconds;
        while (deduplicationOrder.TryPeek(out var oldest) && oldest.AtMs <= horizon)
        {
            deduplicationOrder.Dequeue();
            if (deduplication.TryGetValue(oldest.Id, out var seen) && seen.Dispatched.IsCompleted)
            {
                deduplication.Remove(oldest.Id);
            }
        }
    }

    private Subscription[] Match(TopicMessage message)
    {
        var all = subscriptions;
        List<Subscription>? matched = null;
        FilterMessage? filtered = null;
        foreach (var subscription in all)
        {
            if (!subscription.Confirmed || subscription.DeliveryQueue is null)
            {
                continue;
            }

            if (subscription.FilterPolicy is not null && !Passes(subscription, filtered ??= new FilterMessage(message.Attributes, message.Message)))
            {
                counters.GetOrAdd(subscription.Id, _ => new SubscriptionCounters()).FilteredOut();
                continue;
            }

            (matched ??= []).Add(subscription);
        }

        return matched is null ? [] : [.. matched];
    }

    /// <summary>A FIFO publish's answer, given again to a duplicate once the first has been handed to its queues.</summary>
    private sealed record Seen(PublishResult Result, Task Dispatched);

    /// <summary>A journal record not yet handed to its queues.</summary>
    private sealed class PendingPublish(long position, Notification notification, Subscription[] targets, PublishResult result, bool fifo)
    {
        public long Position { get; } = position;

        public Notification Notification { get; } = notification;

        public Subscription[] Targets { get; } = targets;

        public PublishResult Result { get; } = result;

        /// <summary>Set under the dispatch gate once handed over; read without it by the publisher's quick check.</summary>
        public bool HandedOver;

        /// <summary>FIFO publishes only: completes when handed over, for duplicates of its deduplication id to wait on.</summary>
        public TaskCompletionSource? Dispatched { get; } = fifo ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
    }

    /// <summary>One standard queue's messages in a hand-off, in journal order, with their keys and subscriptions' counters.</summary>
    private sealed class QueueRun
    {
        public List<OutgoingMessage> Messages { get; } = [];

        public List<string> Keys { get; } = [];

        public List<SubscriptionCounters> Tallies { get; } = [];

        public List<bool> CountDelivered { get; } = [];

        /// <summary>Appends a later run's messages after these.</summary>
        public void Add(QueueRun later)
        {
            Messages.AddRange(later.Messages);
            Keys.AddRange(later.Keys);
            Tallies.AddRange(later.Tallies);
            CountDelivered.AddRange(later.CountDelivered);
        }
    }
}
