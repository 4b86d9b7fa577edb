namespace Spillway.Messaging.Internal;

/// <summary>
/// Message slots indexed by sequence number, in chunks so the table grows without copying and releases its oldest
/// chunks once every message in them is gone. A chunk further on whose messages are all gone is released too (its
/// place kept as null), so a long-lived message at the head costs its own chunk, not one slot per message sent since.
/// </summary>
internal sealed class SlotTable
{
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<MessageSlot[]?> chunks = [];

    /// <summary>Sequence number of the first slot of the first chunk; -1 until the first message.</summary>
    private long baseSeq = -1;

    /// <summary>What a slot of a released chunk reads as: deleted. Reset on every access, so a write to it goes nowhere.</summary>
    private MessageSlot released;

    /// <summary>Sequence numbers below this are gone (deleted or never existed).</summary>
    public long Head { get; private set; } = 1;

    /// <summary>One past the highest sequence number with a slot.</summary>
    public long End { get; private set; } = 1;

    /// <summary>Chunks allocated (not released).</summary>
    public int HeldChunks => chunks.Count(c => c is not null);

    public bool Contains(long seq) => seq >= Head && seq < End;

    /// <summary>No message lives at <paramref name="seq"/>: outside the table, deleted, or never there.</summary>
    public bool IsGone(long seq) => !Contains(seq) || this[seq].State is SlotState.Deleted or SlotState.Empty;

    public ref MessageSlot this[long seq]
    {
        get
        {
            var index = seq - baseSeq;
            var chunk = chunks[(int)(index >> ChunkShift)];
            if (chunk is null)
            {
                released = new MessageSlot { State = SlotState.Deleted };
                return ref released;
            }

            return ref chunk[index & ChunkMask];
        }
    }

    /// <summary>The sequence number after <paramref name="seq"/>, skipping released chunks (whose messages are all gone).</summary>
    public long Next(long seq)
    {
        seq++;
        while (seq < End)
        {
            var chunk = (int)((seq - baseSeq) >> ChunkShift);
            if (chunks[chunk] is not null)
            {
                return seq;
            }

            seq = baseSeq + ((long)(chunk + 1) << ChunkShift);
        }

        return seq;
    }

    /// <summary>
    /// Makes slots exist from <paramref name="firstSeq"/> up to <paramref name="endExclusive"/>; the new ones are
    /// <see cref="SlotState.Empty"/>. Recovery may grow the table below its head: a relocation record (compaction) holds
    /// messages older than the send records before it; the chunks in between stay released until a record needs them.
    /// </summary>
    public void Grow(long firstSeq, long endExclusive)
    {
        if (baseSeq < 0)
        {
            // The first message after a fresh start or a recovery that found nothing before it.
            Head = End = firstSeq;
            baseSeq = firstSeq & ~(long)ChunkMask;
        }

        if (firstSeq < baseSeq)
        {
            var newBase = firstSeq & ~(long)ChunkMask;
            chunks.InsertRange(0, new MessageSlot[]?[(int)((baseSeq - newBase) >> ChunkShift)]);
            baseSeq = newBase;
        }

        Head = Math.Min(Head, firstSeq);
        while (baseSeq + ((long)chunks.Count << ChunkShift) < endExclusive)
        {
            chunks.Add(null);
        }

        var lastChunk = (int)((endExclusive - 1 - baseSeq) >> ChunkShift);
        for (var chunk = (int)((firstSeq - baseSeq) >> ChunkShift); chunk <= lastChunk; chunk++)
        {
            chunks[chunk] ??= new MessageSlot[ChunkSize];
        }

        End = Math.Max(End, endExclusive);
    }

    /// <summary>Starts the table at <paramref name="seq"/> when it is still empty (recovery of a queue with no messages left).</summary>
    public void StartAt(long seq)
    {
        if (baseSeq < 0)
        {
            Head = End = seq;
        }
    }

    /// <summary>Moves <see cref="Head"/> past dead slots and releases chunks wholly below it.</summary>
    public void TrimHead()
    {
        while (Head < End && IsGone(Head))
        {
            Head = Next(Head);
        }

        var dropChunks = (int)((Head - baseSeq) >> ChunkShift);
        if (dropChunks > 0 && baseSeq >= 0)
        {
            chunks.RemoveRange(0, dropChunks);
            baseSeq += (long)dropChunks << ChunkShift;
        }
    }

    /// <summary>
    /// Releases every chunk after the head's and before the last whose slots are all deleted or empty (the last may still
    /// be filling). Costs a walk over the chunks still held; the queue calls it as rarely as it checks for compaction.
    /// </summary>
    public void ReleaseDeadChunks()
    {
        if (baseSeq < 0)
        {
            return;
        }

        var first = (int)((Head - baseSeq) >> ChunkShift) + 1;
        var last = (int)((End - 1 - baseSeq) >> ChunkShift);
        for (var index = first; index < last; index++)
        {
            if (chunks[index] is { } chunk && Array.TrueForAll(chunk, slot => slot.State is SlotState.Deleted or SlotState.Empty))
            {
                chunks[index] = null;
            }
        }
    }
}
