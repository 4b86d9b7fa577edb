namespace Spillway.Messaging.Internal;

/// <summary>
/// A FIFO of sequence numbers kept as runs of consecutive numbers. Sends become visible in sequence order, so a backlog
/// of a million fresh messages is a handful of runs instead of eight bytes a message; a redelivered message (a run of
/// one) costs sixteen. The order out is exactly the order in, as with a plain queue of numbers.
/// </summary>
internal sealed class SeqRuns
{
    private readonly Ring<Run> runs = new();

    /// <summary>Sequence numbers waiting (the sum of the runs' lengths).</summary>
    public long Count { get; private set; }

    public void Enqueue(long seq)
    {
        if (runs.Count > 0)
        {
            ref var last = ref runs.PeekLast();
            if (last.First + last.Length == seq && last.Length < int.MaxValue)
            {
                last.Length++;
                Count++;
                return;
            }
        }

        runs.Enqueue(new Run { First = seq, Length = 1 });
        Count++;
    }

    public long Dequeue()
    {
        ref var first = ref runs.Peek();
        var seq = first.First;
        if (--first.Length == 0)
        {
            runs.Dequeue();
        }
        else
        {
            first.First++;
        }

        Count--;
        return seq;
    }

    public void Clear()
    {
        runs.Clear();
        Count = 0;
    }

    /// <summary>Runs held now. For tests.</summary>
    internal int Runs => runs.Count;

    private struct Run
    {
        public long First;
        public int Length;
    }
}
