namespace Spillway.Exports.Internal;

/// <summary>
/// Holds one job to a row rate on the injected clock: <see cref="ExportOptions.MaxRowsPerSecond"/> while the write
/// path is quiet, <see cref="ExportOptions.BusyMaxRowsPerSecond"/> while it is busy (jobs at the server's own priority). A token bucket: every row costs
/// 1/rate seconds of clock; the job waits when it is ahead of its due time.
/// </summary>
internal sealed class ExportPacer
{
    // A job that fell behind (a slow query, a pause) may catch up by this much and no more, so a quiet spell does not
    // bank an unpaced sprint into the next burst of writes.
    private static readonly TimeSpan MaxCredit = TimeSpan.FromMilliseconds(100);

    // Waits shorter than this are saved up: a timer per few hundred rows would cost more than the rows.
    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(2);

    private readonly long quietRate;
    private readonly long busyRate;
    private readonly Func<bool>? ingestBusy;
    private readonly TimeProvider time;
    private readonly Action<TimeSpan>? waiting;
    private readonly long maxCreditTicks;
    private readonly long minWaitTicks;
    private long due;
    private bool started;

    /// <param name="options">The rates.</param>
    /// <param name="waiting">Told of every wait.</param>
    /// <param name="yieldsByPriority">
    /// Whether the job runs at a low CPU priority (<see cref="ExportOptions.Niceness"/>), which yields to the write path
    /// by itself: then only <see cref="ExportOptions.MaxRowsPerSecond"/> applies.
    /// </param>
    public ExportPacer(ExportOptions options, Action<TimeSpan>? waiting, bool yieldsByPriority)
    {
        quietRate = options.MaxRowsPerSecond;
        busyRate = yieldsByPriority ? 0 : options.BusyMaxRowsPerSecond;
        ingestBusy = busyRate > 0 ? options.IngestBusy : null;
        time = options.TimeProvider;
        this.waiting = waiting;
        maxCreditTicks = ToTimestamp(MaxCredit);
        minWaitTicks = ToTimestamp(MinWait);
    }

    /// <summary>Whether any rate applies; without one the job runs as fast as the database serves it.</summary>
    public bool Enabled => quietRate > 0 || ingestBusy is not null;

    /// <summary>Accounts for <paramref name="rows"/> just written and waits on the clock while the job is ahead.</summary>
    public async ValueTask PaceAsync(int rows, CancellationToken cancellationToken)
    {
        if (Wait(rows, cancellationToken) is { } wait)
        {
            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="PaceAsync"/>, blocking the calling thread (a job's own thread) while it waits.</summary>
    public void Pace(int rows, CancellationToken cancellationToken) =>
        Wait(rows, cancellationToken)?.GetAwaiter().GetResult();

    private Task? Wait(int rows, CancellationToken cancellationToken)
    {
        // A busy write path only ever lowers the rate: a busy cap above the quiet one does not raise it.
        var rate = ingestBusy?.Invoke() == true && (quietRate == 0 || busyRate < quietRate) ? busyRate : quietRate;
        if (rate == 0)
        {
            started = false;
            return null;
        }

        var now = time.GetTimestamp();
        if (!started || due < now - maxCreditTicks)
        {
            due = started ? now - maxCreditTicks : now;
            started = true;
        }

        due += (long)Math.Ceiling(rows * (double)time.TimestampFrequency / rate);
        if (due - now < minWaitTicks)
        {
            return null;
        }

        var delay = time.GetElapsedTime(now, due);
        var wait = Task.Delay(delay, time, cancellationToken);
        waiting?.Invoke(delay);
        return wait;
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
