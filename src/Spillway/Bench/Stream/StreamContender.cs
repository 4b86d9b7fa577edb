namespace Spillway.Bench.Stream;

/// <summary>
/// One way of storing and reading back a run of records durably. A run puts every record and reads each one back from
/// where the run began, producers and reader at once, and returns the seconds from the first put until the reader has
/// the last record.
/// </summary>
internal abstract class StreamContender : IAsyncDisposable
{
    /// <summary>How the report names it.</summary>
    public abstract string Name { get; }

    public abstract Task<double> RunAsync(byte[] body, int records, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Hands out batches of record indexes to concurrent producers until <paramref name="total"/> are taken.</summary>
    protected sealed class BatchDealer(int total, int batchSize)
    {
        private int next;

        /// <summary>The next batch's first index and length; false once every record is dealt.</summary>
        public bool TryTake(out int first, out int count)
        {
            first = Interlocked.Add(ref next, batchSize) - batchSize;
            count = Math.Min(batchSize, total - first);
            return count > 0;
        }
    }

    /// <summary>The records of a run no reader has had yet; the last one read cancels the other readers' waits.</summary>
    protected sealed class Unread(int total, CancellationTokenSource finished)
    {
        private int left = total;

        public bool IsEmpty => Volatile.Read(ref left) <= 0;

        public void Take(int count)
        {
            if (Interlocked.Add(ref left, -count) <= 0)
            {
                finished.Cancel();
            }
        }
    }
}
