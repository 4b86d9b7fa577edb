using Spillway.Messaging.Internal;

namespace Spillway.Messaging;

public sealed partial class MessageQueue
{
    /// <summary>
    /// Moves up to <paramref name="max"/> visible messages of this (dead-letter) queue to <paramref name="destinationQueue"/>
    /// or, when it is null, each back to the queue it was dead-lettered from; durable there before deleted here.
    /// Reports how many were taken, how many moved, and why the others could not move.
    /// </summary>
    internal async ValueTask<RedriveChunk> RedriveChunkAsync(string? destinationQueue, int max)
    {
        var seqs = new List<long>();
        lock (gate)
        {
            PromoteDue(Now());
            while (seqs.Count < max && visible.Count > 0)
            {
                var seq = visible.Dequeue();
                if (table.Contains(seq) && table[seq].State == SlotState.Visible)
                {
                    SetState(ref table[seq], SlotState.Moving);
                    seqs.Add(seq);
                }
            }
        }

        if (seqs.Count == 0)
        {
            return new RedriveChunk(0, 0, null);
        }

        var now = Now();
        string? unroutable = null;
        var (moved, notMoved) = await MoveAsync(
            seqs,
            entry =>
            {
                var name = destinationQueue ?? entry.SourceQueue;
                if (name is not null && engine.TryGetQueue(name, out var target) && target != this)
                {
                    return target;
                }

                unroutable ??= name is null
                    ? $"a message of '{Name}' has no source queue to go back to"
                    : $"queue '{name}' does not exist";
                return null;
            },
            entry =>
            {
                entry.SourceQueue = null;
                entry.ReceiveCount = 0;
                entry.VisibleAtMs = now;
                return entry;
            }).ConfigureAwait(false);
        var failure = unroutable ?? (notMoved.Count > 0 ? "the destination refused the messages (disk full or queue closed)" : null);
        return new RedriveChunk(seqs.Count, moved, failure);
    }

    internal readonly record struct RedriveChunk(int Taken, int Moved, string? Failure);
}
