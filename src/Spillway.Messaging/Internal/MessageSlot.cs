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
/// The in-memory index entry of one message: about 56 bytes, no references, so a million waiting messages cost the
/// garbage collector nothing to scan. The id, attributes and body stay in the log record (or the body cache).
/// </summary>
internal struct MessageSlot
{
    /// <summary>Position of the send record in the queue's log.</summary>
    public long Position;

    public long SentAtMs;

    /// <summary>When a delayed or in-flight message becomes visible (Unix ms).</summary>
    public long DueAtMs;

    public long FirstReceiveMs;

    /// <summary>Offset of the message's entry inside the record payload.</summary>
    public int EntryOffset;

    public int EntryLength;

    public int ReceiveCount;

    /// <summary>Bumped whenever the message's timer is re-armed, so stale timer entries are recognised and dropped.</summary>
    public int TimerVersion;

    public SlotState State;

    public SlotFlags Flags;

    public readonly bool IsLive => State is SlotState.Visible or SlotState.InFlight or SlotState.Delayed or SlotState.Moving;
}
