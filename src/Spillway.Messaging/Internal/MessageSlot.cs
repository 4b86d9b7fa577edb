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

    public readonly bool IsLive => State is SlotState.Visible or SlotState.InFlight or SlotState.Delayed or SlotState.Moving;
}
