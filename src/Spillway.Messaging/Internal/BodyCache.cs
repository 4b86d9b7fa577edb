using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spillway.Messaging.Internal;

/// <summary>
/// The payloads of recent send records that still have a message waiting to be received, up to a byte budget, so
/// consumers that keep up never touch the disk; older payloads are read back from the log. A payload leaves as soon as
/// every message in it has been received once (a redelivery after a visibility timeout reads the log), so under a
/// steady flow payloads die young instead of living on in the older GC generations. Not thread-safe: used under the
/// queue's lock.
/// </summary>
internal sealed class BodyCache(long budgetBytes)
{
    // Array header, dictionary entry and queue slot per cached payload: small bodies must not overrun the budget.
    private const int EntryOverhead = 64;

    private readonly Dictionary<long, Cached> byPosition = [];
    private Queue<long> order = new();
    private long bytes;

    /// <summary>
    /// Caches the payload of the send record at <paramref name="position"/>, holding <paramref name="messages"/> messages,
    /// unless the <paramref name="messagesAhead"/> waiting before them would fill the budget first: behind a backlog the
    /// payload would be evicted before a consumer got to it, after surviving long enough to burden the garbage collector.
    /// </summary>
    public void Add(long position, byte[] payload, int messages, long messagesAhead)
    {
        var perMessage = (payload.Length / Math.Max(1, messages)) + EntryOverhead;
        if (payload.Length > budgetBytes || messagesAhead * perMessage > budgetBytes
            || !byPosition.TryAdd(position, new Cached(payload, messages)))
        {
            return;
        }

        order.Enqueue(position);
        bytes += payload.Length + EntryOverhead;
        while (bytes > budgetBytes && order.TryDequeue(out var oldest))
        {
            if (byPosition.Remove(oldest, out var evicted))
            {
                bytes -= evicted.Payload.Length + EntryOverhead;
            }
        }

        // Positions released early leave stale slots in the order queue: drop them from its front as they come up, and
        // rebuild the queue when a payload still waiting at its front (a delayed message, a backlog) keeps them in.
        while (order.TryPeek(out var front) && !byPosition.ContainsKey(front))
        {
            order.Dequeue();
        }

        if (order.Count > 1024 && order.Count > 2 * byPosition.Count)
        {
            order = new Queue<long>(order.Where(byPosition.ContainsKey));
        }
    }

    /// <summary>Payloads cached now. For tests.</summary>
    internal int Count => byPosition.Count;

    /// <summary>Positions in the eviction order, stale ones included. For tests.</summary>
    internal int OrderLength => order.Count;

    public byte[]? Get(long position) => byPosition.TryGetValue(position, out var cached) ? cached.Payload : null;

    /// <summary>One message of the record at <paramref name="position"/> was received: the payload goes once all were.</summary>
    public void Release(long position)
    {
        ref var cached = ref CollectionsMarshal.GetValueRefOrNullRef(byPosition, position);
        if (Unsafe.IsNullRef(ref cached) || --cached.Waiting > 0)
        {
            return;
        }

        bytes -= cached.Payload.Length + EntryOverhead;
        byPosition.Remove(position);
    }

    public void Clear()
    {
        byPosition.Clear();
        order.Clear();
        bytes = 0;
    }

    private struct Cached(byte[] payload, int waiting)
    {
        public readonly byte[] Payload = payload;
        public int Waiting = waiting;
    }
}
