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
    // Publishes deliver in journal order: each waits for the one before it to have handed its messages to the queues,
    // so every queue of a FIFO topic receives a message group in the same order.
    private Task dispatchTail = Task.CompletedTask;

    // Positions of journal records whose deliveries are not all durable yet; the journal is kept from the oldest.
    private readonly SortedSet<long> openEntries = [];

    // FIFO topics: deduplication ids seen within the window, oldest first, with the answer given then.
    private readonly Dictionary<string, Seen> deduplication = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long AtMs, long Position)> deduplicationOrder = new();

    private readonly ConcurrentDictionary<Guid, SubscriptionCounters> counters = new();

    // Publishes finished since the last done record, written with the next publish (see MarkDone).
    private const int MaxUnwrittenDone = 4096;
    private readonly List<long> unwrittenDone = [];

    // Publishes answered whose queue messages are not all durable yet, by journal position; a clean close waits for them.
    private readonly ConcurrentDictionary<long, Task> finishings = new();

    /// <summary>
    /// Publishes a message. Every confirmed subscription whose filter matches gets it in its delivery queue. This
    /// completes once the publish is durable in the topic's journal, one group commit for every matching queue, and its
    /// messages are in those queues' logs: a crash before the queues' own fsyncs leaves the publish in the journal, and
    /// the next open delivers it to every one of them (never twice to any). A publish that matches no subscription
    /// stores nothing. <see cref="ArgumentException"/> for invalid input, which stores nothing.
    /// </summary>
    public async ValueTask<PublishResult> PublishAsync(TopicMessage message, CancellationToken cancellationToken = default)
    {
        var fifoIds = TopicMessageRules.Validate(Definition, message);
        cancellationToken.ThrowIfCancellationRequested();
        engine.EnsureWritable(journal);
        Delivery delivery;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            var now = engine.Time.GetUtcNow();
            if (fifoIds is { } ids)
            {
                ForgetExpiredDeduplication(now.ToUnixTimeMilliseconds());
                if (deduplication.TryGetValue(ids.DeduplicationId, out var seen))
                {
                    delivery = new Delivery(seen.Result with { Duplicate = true }, seen.Durable);
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
            var append = journal.Append(TopicJournal.PublishType, TopicJournal.EncodePublish(notification, [.. targets.Select(t => t.Id)]));
            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = DeliverAsync(append, notification, targets, dispatchTail, turn);
            dispatchTail = turn.Task;
            if (targets.Length > 0)
            {
                openEntries.Add(append.Position);
            }

            if (fifoIds is { } fifo)
            {
                deduplication[fifo.DeduplicationId] = new Seen(result, task);
                deduplicationOrder.Enqueue((fifo.DeduplicationId, now.ToUnixTimeMilliseconds(), append.Position));
            }

            delivery = new Delivery(result, task);
        }

    answer:
        await delivery.Durable.ConfigureAwait(false);
        return delivery.Result;
    }

    /// <summary>What each subscription of this topic was sent, filtered out and failed since the topic opened.</summary>
    public SubscriptionStatistics StatisticsOf(Guid subscriptionId) =>
        counters.TryGetValue(subscriptionId, out var c) ? c.Snapshot() : new SubscriptionStatistics(0, 0, 0);

    /// <summary>
    /// Completes once the journal record is durable and the messages have entered every target queue's log: from then on
    /// the publish is the journal's to finish (a crash before the queues' own fsyncs is repaired at the next open), so
    /// the publisher waits for one group commit, not two. The done record follows once every queue has it durably.
    /// </summary>
    private async Task DeliverAsync(AppendResult append, Notification notification, Subscription[] targets, Task previous, TaskCompletionSource turn)
    {
        try
        {
            await append.Durable.ConfigureAwait(false);
        }
        catch
        {
            turn.TrySetResult();
            throw;
        }

        await previous.ConfigureAwait(false);
        Task sends;
        try
        {
            sends = Send(notification, targets);
        }
        finally
        {
            turn.TrySetResult();
        }

        if (targets.Length > 0)
        {
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            finishings[append.Position] = finished.Task;
            _ = FinishAsync(append.Position, sends, finished);
        }
    }

    /// <summary>Writes the done record once every queue holds the message durably; a queue's storage failing leaves it open.</summary>
    private async Task FinishAsync(long position, Task sends, TaskCompletionSource finished)
    {
        try
        {
            await sends.ConfigureAwait(false);
            MarkDone(position);
        }
        catch (Exception e) when (e is StorageFaultedException or StorageFullException)
        {
            // The journal keeps the publish; the next open delivers it again under the same keys.
        }
        catch (ObjectDisposedException)
        {
            // A target queue was deleted meanwhile (topics close before queues): nothing is left to deliver to it.
            MarkDone(position);
        }
        finally
        {
            finishings.TryRemove(position, out _);
            finished.SetResult();
        }
    }

    /// <summary>
    /// Hands the notification to every target's queue, in the caller's order (each send enters its queue's log before the
    /// next starts). A target whose queue is gone, or refuses the message as invalid for it, is counted failed and skipped,
    /// as SNS drops a delivery its endpoint rejects; a storage failure fails the whole delivery.
    /// </summary>
    private Task Send(Notification notification, IReadOnlyList<Subscription> targets)
    {
        if (targets.Count == 0)
        {
            return Task.CompletedTask;
        }

        var render = engine.Options.NotificationRenderer ?? NotificationRenderers.Raw;
        var topic = Definition;
        var sends = new Task[targets.Count];
        for (var i = 0; i < sends.Length; i++)
        {
            var target = targets[i];
            var tally = counters.GetOrAdd(target.Id, _ => new SubscriptionCounters());
            if (target.DeliveryQueue is not { } queueName || !engine.TryGetQueue(queueName, out var queue))
            {
                tally.Failed();
                sends[i] = Task.CompletedTask;
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

            // A subscription with its own delivery queue counts once its endpoint took the message (CountDelivery).
            sends[i] = SendOneAsync(queue, outgoing, IdempotencyKey(target, notification), tally, countDelivered: !target.OwnsDeliveryQueue);
        }

        return Task.WhenAll(sends);
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

    // One key per subscription and message: two subscriptions of one queue each deliver their copy, as in SNS.
    private static string IdempotencyKey(Subscription target, Notification notification) =>
        $"sns:{target.Id:N}:{notification.MessageId:N}";

    /// <summary>
    /// Notes a publish whose deliveries are all durable. Its done record rides along with the next publish's group commit
    /// (or goes out once many wait, or at a clean close) instead of costing an fsync of its own: a done record lost in a
    /// crash only makes the next open send that publish again, which its queues' keys turn into nothing.
    /// </summary>
    private void MarkDone(long position)
    {
        lock (gate)
        {
            if (journalClosed)
            {
                return;
            }

            unwrittenDone.Add(position);
            openEntries.Remove(position);
            if (unwrittenDone.Count >= MaxUnwrittenDone)
            {
                WriteDone();
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
            if (deduplication.TryGetValue(oldest.Id, out var seen) && seen.Durable.IsCompleted)
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

    private sealed record Seen(PublishResult Result, Task Durable);

    private readonly record struct Delivery(PublishResult Result, Task Durable);
}
