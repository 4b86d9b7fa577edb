namespace Spillway.Messaging;

public sealed partial class MessageQueue
{
    private long receivedTotal;
    private long deletedTotal;
    private long deadLetteredTotal;

    /// <summary>
    /// Running totals for metrics. Sent counts every message ever stored in the queue (it survives restarts, since it
    /// is the queue's next sequence number); the others count from when the queue was opened.
    /// </summary>
    public QueueActivity GetActivity()
    {
        long sent;
        lock (gate)
        {
            sent = nextSeq - 1;
        }

        return new QueueActivity(
            sent, Interlocked.Read(ref receivedTotal), Interlocked.Read(ref deletedTotal), Interlocked.Read(ref deadLetteredTotal));
    }

    private void CountReceived(int count) => Interlocked.Add(ref receivedTotal, count);

    private void CountDeleted(int count) => Interlocked.Add(ref deletedTotal, count);

    private void CountDeadLettered(int count) => Interlocked.Add(ref deadLetteredTotal, count);
}

/// <summary>A queue's running totals, as CloudWatch's NumberOfMessagesSent/Received/Deleted report them.</summary>
/// <param name="Sent">Messages stored in the queue since it was created (sends, redrives and dead-letter moves into it).</param>
/// <param name="Received">Messages handed out by receives since the queue was opened.</param>
/// <param name="Deleted">Messages deleted by receipt handle since the queue was opened.</param>
/// <param name="DeadLettered">Messages moved from this queue to its dead-letter queue since it was opened.</param>
public sealed record QueueActivity(long Sent, long Received, long Deleted, long DeadLettered);
