namespace Spillway.Messaging.Internal;

/// <summary>
/// Message slots indexed by sequence number, in chunks so the table grows without copying and releases its oldest
/// chunks once every message in them is gone.
/// </summary>
internal sealed class SlotTable
{
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<MessageSlot[]> chunks = [];

    /// <summary>Sequence number of the first slot of the first chunk; -1 until the first message.</summary>
    private long baseSeq = -1;

    /// <summary>Sequence numbers below this are gone (deleted or never existed).</summary>
    public long Head { get; private set; } = 1;

    /// <summary>One past the highest sequence number with a slot.</summary>
    public long End { get; private set; } = 1;

    public bool Contains(long seq) => seq >= Head && seq < End;

    public ref MessageSlot this[long seq]
    {
        get
        {
            var index = seq - baseSeq;
            return ref chunks[(int)(index >> ChunkShift)][index & ChunkMask];
        }
    }

    /// <summary>
    /// Makes slots exist from <paramref name="firstSeq"/> up to <paramref name="endExclusive"/>; the new ones are
    /// <see cref="SlotState.Empty"/>. Recovery may grow the table below its head: a relocation record (compaction) holds
    /// messages older than the send records before it.
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
            var added = (int)((baseSeq - newBase) >> ChunkShift);
            chunks.InsertRange(0, Enumerable.Range(0, added).Select(_ => new MessageSlot[ChunkSize]));
            baseSeq = newBase;
        }

        Head = Math.Min(Head, firstSeq);

        while (baseSeq + ((long)chunks.Count << ChunkShift) < endExclusive)
        {
            chunks.Add(new MessageSlot[ChunkSize]);
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
        while (Head < End)
        {
            var state = this[Head].State;
            if (state is not (SlotState.Deleted or SlotState.Empty))
            {
                break;
            }

            Head++;
        }

        var dropChunks = (int)((Head - baseSeq) >> ChunkShift);
        if (dropChunks > 0 && baseSeq >= 0)
        {
            chunks.RemoveRange(0, dropChunks);
            baseSeq += (long)dropChunks << ChunkShift;
        }
    }
}
