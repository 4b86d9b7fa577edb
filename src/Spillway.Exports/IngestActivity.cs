using Spillway.Messaging;

namespace Spillway.Exports;

/// <summary>
/// Tells export jobs whether the write path is busy, from a running total of the messages it moves (the server counts
/// messages its queues accepted plus messages its workers delivered): busy while that total grew faster than
/// <see cref="BusyMessagesPerSecond"/> over the last window of the clock. Sampled when asked, at most once per window,
/// so asking every few hundred rows costs a clock read.
/// </summary>
public sealed class IngestActivity
{
    /// <summary>The default of <see cref="BusyMessagesPerSecond"/>.</summary>
    public const long DefaultBusyMessagesPerSecond = 100;

    private readonly Func<long> movedTotal;
    private readonly TimeProvider time;
    private readonly long windowTicks;
    private readonly Lock gate = new();
    private long sampledAt;
    private long sampledTotal;
    private bool sampled;
    private bool busy;

    /// <summary>Watches <paramref name="movedTotal"/>, a count that only grows, on <paramref name="time"/>.</summary>
    /// <param name="movedTotal">Messages accepted or delivered so far.</param>
    /// <param name="busyMessagesPerSecond">1–10,000,000; see <see cref="BusyMessagesPerSecond"/>.</param>
    /// <param name="window">How far back a sample looks; 10 ms – 10 s, defaults to 250 ms.</param>
    /// <param name="time">Defaults to <see cref="TimeProvider.System"/>.</param>
    public IngestActivity(
        Func<long> movedTotal, long busyMessagesPerSecond = DefaultBusyMessagesPerSecond, TimeSpan? window = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(movedTotal);
        ArgumentOutOfRangeException.ThrowIfLessThan(busyMessagesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(busyMessagesPerSecond, 10_000_000);
        var span = window ?? TimeSpan.FromMilliseconds(250);
        ArgumentOutOfRangeException.ThrowIfLessThan(span, TimeSpan.FromMilliseconds(10), nameof(window));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(span, TimeSpan.FromSeconds(10), nameof(window));
        this.movedTotal = movedTotal;
        this.time = time ?? TimeProvider.System;
        BusyMessagesPerSecond = busyMessagesPerSecond;
        windowTicks = (long)(span.TotalSeconds * this.time.TimestampFrequency);
    }

    /// <summary>
    /// The write path of a server on <paramref name="engine"/>: messages its queues accepted (ingest routes, the SQS API)
    /// plus messages its workers deleted after delivering them, over every queue but <paramref name="exportsQueue"/>,
    /// whose own traffic is the exports'.
    /// </summary>
    public static IngestActivity OverQueues(
        QueueEngine engine, string exportsQueue, long busyMessagesPerSecond = DefaultBusyMessagesPerSecond, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return new IngestActivity(
            () =>
            {
                long total = 0;
                foreach (var queue in engine.ListQueues())
                {
                    if (queue.Name != exportsQueue)
                    {
                        var activity = queue.GetActivity();
                        total += activity.Sent + activity.Deleted;
                    }
                }

                return total;
            },
            busyMessagesPerSecond,
            time: time);
    }

    /// <summary>
    /// The rate above which the write path counts as busy. Defaults to 100 messages/s: a trickle of writes does not
    /// hold exports back, a burst does.
    /// </summary>
    public long BusyMessagesPerSecond { get; }

    /// <summary>Whether the write path moved more than <see cref="BusyMessagesPerSecond"/> over the last window.</summary>
    public bool IsBusy
    {
        get
        {
            var now = time.GetTimestamp();
            lock (gate)
            {
                if (!sampled || now - sampledAt >= windowTicks)
                {
                    var total = movedTotal();
                    if (sampled)
                    {
                        // After a long unasked spell the average understates a burst that just began; it is one
                        // window late at most, as the next sample looks back one window only.
                        var seconds = (now - sampledAt) / (double)time.TimestampFrequency;
                        busy = (total - sampledTotal) / seconds > BusyMessagesPerSecond;
                    }

                    sampledAt = now;
                    sampledTotal = total;
                    sampled = true;
                }

                return busy;
            }
        }
    }
}
