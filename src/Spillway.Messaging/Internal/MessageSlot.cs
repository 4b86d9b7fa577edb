namespace Spillway.Messaging.Internal;

/// <summary>Where a message is in its life. Byte-sized so a slot stays small.</summary>
internal enum SlotState : byte
{
    /// <summary>No message has this sequence number (a gap left by recovery).</summary>
    Empty,

    /// <summary>Appended, not yet durable: invisible to everyone.</summary>
    Pending,

    Visible,
    InFlight,
    Delayed,

    /// <summary>Being moved to another queue (dead-letter or redrive); hidden until the move completes or fails.</summary>
    Moving,
    Deleted,
}

/// <summary>Facts about a slot that change how the queue's housekeeping treats it. Byte-sized: they fill slot padding.</summary>
[Flags]
internal enum SlotFlags : byte
{
    None = 0,

    /// <summary>
    /// The entry lives in a relocation record written by compaction, not in the send record of its sequence number, so
    /// its position is out of sequence order.
    /// </summary>
    Relocated = 1,

    /// <summary>
    /// Its sent time is older than that of messages before it (it was moved in from another queue), so retention finds
    /// it through the expiry heap instead of the walk from the head.
    /// </summary>
    ExpiryTracked = 2,
}

/// <summary>
/// The in-memory index entry of one message: 40 bytes, no references, so a million waiting messages cost 40 MB and the
/// garbage collector nothing to scan. The id, attributes and body stay in the log record (or the body cache).
/// Times are Unix milliseconds kept in 48 bits (a signed range of about 4,000 years either side of 1970), which is what
/// brings the slot from 56 bytes to 40.
/// </summary>
internal struct MessageSlot
{
    /// <summary>Position of the send record in the queue's log.</summary>
    public long Position;

    /// <summary>Offset of the message's entry inside the record payload.</summary>
    public int EntryOffset;

    public int EntryLength;

    public int ReceiveCount;

    private int sentHigh;
    private int dueHigh;
    private int firstReceiveHigh;
    private ushort sentLow;
    private ushort dueLow;
    private ushort firstReceiveLow;

    public SlotState State;

    public SlotFlags Flags;

    public long SentAtMs
    {
        readonly get => Join(sentHigh, sentLow);
        set => Split(value, out sentHigh, out sentLow);
    }

    /// <summary>When a delayed or in-flight message becomes visible (Unix ms).</summary>
    public long DueAtMs
    {
        readonly get => Join(dueHigh, dueLow);
        set => Split(value, out dueHigh, out dueLow);
    }

    /// <summary>When the message was first received (Unix ms); 0 until then.</summary>
    public long FirstReceiveMs
    {
        readonly get => Join(firstReceiveHigh, firstReceiveLow);
        set => Split(value, out firstReceiveHigh, out firstReceiveLow);
    }

    public readonly bool IsLive => State is SlotState.Visible or SlotState.InFlight or SlotState.Delayed or SlotState.Moving;

    private static long Join(int high, ushort low) => ((long)high << 16) | low;

    // A time outside the 48 bits would come from a broken clock: refused loudly rather than stored wrong.
    private static void Split(long value, out int high, out ushort low)
    {
        high = checked((int)(value >> 16));
        low = (ushort)value;
    }
}
