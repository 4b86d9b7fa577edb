namespace Spillway.Messaging.Internal;

/// <summary>
/// The payloads of the most recent send records, up to a byte budget, so consumers that keep up never touch the
/// disk; older payloads are read back from the log. Not thread-safe: used under the queue's lock.
/// </summary>
internal sealed class BodyCache(long budgetBytes)
{
    // Array header, dictionary entry and queue slot per cached payload: small bodies must not overrun the budget.
    private const int EntryOverhead = 64;

    private readonly Dictionary<long, byte[]> byPosition = [];
    private readonly Queue<long> order = new();
    private long bytes;

    public void Add(long position, byte[] payload)
    {
        if (payload.Length > budgetBytes || !byPosition.TryAdd(position, payload))
        {
            return;
        }

        order.Enqueue(position);
        bytes += payload.Length + EntryOverhead;
        while (bytes > budgetBytes && order.TryDequeue(out var oldest))
        {
            if (byPosition.Remove(oldest, out var evicted))
            {
                bytes -= evicted.Length + EntryOverhead;
            }
        }
    }

    public byte[]? Get(long position) => byPosition.GetValueOrDefault(position);

    public void Clear()
    {
        byPosition.Clear();
        order.Clear();
        bytes = 0;
    }
}
