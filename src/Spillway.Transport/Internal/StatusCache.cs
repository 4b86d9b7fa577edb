using Spillway.Messaging;

namespace Spillway.Transport.Internal;

/// <summary>
/// The engine's storage status, read at most every 250 ms: the read takes a system call, and checking it on every one
/// of tens of thousands of requests a second would cost more than the check is worth. A stale "writable" is safe: the
/// send itself refuses on a full disk or a failed writer.
/// </summary>
internal sealed class StatusCache(QueueEngine engine)
{
    private const long TtlMs = 250;

    private TransportStatus? status;
    private long readAt;

    public TransportStatus Read()
    {
        var now = Environment.TickCount64;
        var cached = Volatile.Read(ref status);
        if (cached is null || now - Volatile.Read(ref readAt) >= TtlMs)
        {
            var storage = engine.Status;
            cached = storage.Writable ? TransportStatus.Up : new TransportStatus(false, storage.Reason ?? "storage not writable");
            Volatile.Write(ref status, cached);
            Volatile.Write(ref readAt, now);
        }

        return cached;
    }
}
