namespace Spillway.Bench.Topic;

/// <summary>
/// One way of fanning messages out to filtered queues durably. Message <c>i</c> carries the attribute <c>slot</c> =
/// <c>i mod queues</c>, and queue <c>q</c> takes the slots <c>q … q + queues/2 - 1</c> (mod queues), so every message
/// goes to half of the queues. A run publishes every message, each answered only once it is durable for every queue it goes to,
/// and returns the seconds it took; it then checks that the queues hold what the selection says.
/// </summary>
internal abstract class TopicContender : IAsyncDisposable
{
    /// <summary>How the report names it.</summary>
    public abstract string Name { get; }

    public abstract Task<double> RunAsync(byte[] body, int messages, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The slots queue <paramref name="queue"/> of <paramref name="queues"/> takes.</summary>
    public static IEnumerable<int> SlotsOf(int queue, int queues) => Enumerable.Range(0, queues / 2).Select(k => (queue + k) % queues);

    /// <summary>How many of <paramref name="messages"/> messages queue <paramref name="queue"/> should hold.</summary>
    public static long ExpectedIn(int queue, int queues, int messages)
    {
        var slots = SlotsOf(queue, queues).ToHashSet();
        return Enumerable.Range(0, queues).Where(slots.Contains).Sum(slot => (long)((messages - slot + queues - 1) / queues));
    }

    /// <summary>Hands out message indexes to concurrent publishers until <paramref name="total"/> are taken.</summary>
    protected sealed class Dealer(int total)
    {
        private int next = -1;

        public bool TryTake(out int index)
        {
            index = Interlocked.Increment(ref next);
            return index < total;
        }
    }
}
