namespace Spillway.Sinks.Internal;

/// <summary>
/// The RDS Proxy part of the sink: at most <c>MaxConnections</c> connections are borrowed at once, however many
/// workers write. A borrower waits up to the borrow timeout, then gets <see cref="SinkUnavailableException"/>.
/// The driver's own pool is sized to the same cap and keeps the physical connections; this gate decides who may
/// use one, counts waits and keeps the statistics.
/// </summary>
internal sealed class ConnectionCap : IDisposable
{
    private readonly SemaphoreSlim slots;
    private readonly int max;
    private readonly TimeSpan borrowTimeout;
    private readonly TimeProvider time;
    private int inUse;
    private int peakInUse;
    private long waits;

    public ConnectionCap(int maxConnections, TimeSpan borrowTimeout, TimeProvider time)
    {
        max = maxConnections;
        this.borrowTimeout = borrowTimeout;
        this.time = time;
        slots = new SemaphoreSlim(maxConnections, maxConnections);
    }

    public SinkPoolStatistics Statistics => new(max, Volatile.Read(ref inUse), Volatile.Read(ref peakInUse), Interlocked.Read(ref waits));

    /// <summary>Takes a slot; dispose the returned lease to give it back.</summary>
    public async ValueTask<Lease> BorrowAsync(string sinkName, CancellationToken cancellationToken)
    {
        if (!slots.Wait(0, CancellationToken.None))
        {
            using var timeout = new CancellationTokenSource(borrowTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);

            // Counted once the timeout runs, so whoever sees the count also knows the clock is ticking for this wait.
            Interlocked.Increment(ref waits);
            try
            {
                await slots.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SinkUnavailableException(
                    $"Sink '{sinkName}': no free database connection within {borrowTimeout.TotalSeconds:0.###} s (all {max} in use).");
            }
        }

        var now = Interlocked.Increment(ref inUse);
        var peak = Volatile.Read(ref peakInUse);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref peakInUse, now, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }

        return new Lease(this);
    }

    public void Dispose() => slots.Dispose();

    private void Return()
    {
        Interlocked.Decrement(ref inUse);
        slots.Release();
    }

    /// <summary>A borrowed slot.</summary>
    internal struct Lease(ConnectionCap owner) : IDisposable
    {
        private ConnectionCap? owner = owner;

        public void Dispose()
        {
            owner?.Return();
            owner = null;
        }
    }
}
