using System.Runtime.CompilerServices;

namespace Spillway.Messaging.Topics;

public sealed partial class Topic
{
    // The standard queues this topic feeds, each with at most one of the topic's appends in flight.
    private readonly ConditionalWeakTable<MessageQueue, QueueFeed> feeds = [];

    private QueueFeed FeedOf(MessageQueue queue) => feeds.GetValue(queue, static q => new QueueFeed(q));

    /// <summary>
    /// One standard queue's deliveries from this topic. While one append of the topic's is on its way to the disk, later
    /// runs wait in memory and go together as the next append once it is durable: the queue syncs its log once per
    /// fsync time instead of once per journal group. Waiting costs nothing in safety: the journal holds each publish
    /// durably until its done record, so a crash re-delivers what had not reached the queue, under the same keys.
    /// Order is kept: runs enter the queue's log in the order they were handed over.
    /// </summary>
    private sealed class QueueFeed(MessageQueue queue)
    {
        private readonly Lock gate = new();
        private bool appending;
        private QueueRun? waiting;
        private TaskCompletionSource? waitingSent;

        /// <summary>Hands a run to the queue; the task completes once the run is durable in the queue's log.</summary>
        public Task Send(QueueRun run)
        {
            lock (gate)
            {
                if (appending)
                {
                    if (waiting is null)
                    {
                        waiting = new QueueRun();
                        waitingSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    waiting.Add(run);
                    return waitingSent!.Task;
                }

                appending = true;
            }

            var sent = SendRun(queue, run);
            _ = SendWaitingAfter(sent);
            return sent;
        }

        /// <summary>Once each append is durable (or failed), sends what waited meanwhile as one append; stops when none did.</summary>
        private async Task SendWaitingAfter(Task sent)
        {
            while (true)
            {
                await sent.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                QueueRun next;
                TaskCompletionSource done;
                lock (gate)
                {
                    if (waiting is null)
                    {
                        appending = false;
                        return;
                    }

                    (next, done) = (waiting, waitingSent!);
                    (waiting, waitingSent) = (null, null);
                }

                sent = SendRun(queue, next);
                _ = PassOn(sent, done);
            }
        }

        private static async Task PassOn(Task sent, TaskCompletionSource done)
        {
            try
            {
                await sent.ConfigureAwait(false);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
    }
}
