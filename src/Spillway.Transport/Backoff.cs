namespace Spillway.Transport;

/// <summary>
/// How Spillway waits before trying again what is unavailable (a broker, a database, a sink's table): the first wait is
/// <c>initial</c>, each further one twice the last, never more than <c>max</c>. The waits run on the injected clock, so
/// tests advance it instead of sleeping. Not thread-safe: one retry loop owns one.
/// </summary>
public sealed class Backoff
{
    private readonly TimeSpan initial;
    private readonly TimeSpan max;

    /// <param name="initial">The first wait; more than zero.</param>
    /// <param name="max">The longest wait; at least <paramref name="initial"/>.</param>
    public Backoff(TimeSpan initial, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        this.initial = initial;
        this.max = max;
        Next = initial;
    }

    /// <summary>The wait the next <see cref="WaitAsync"/> takes.</summary>
    public TimeSpan Next { get; private set; }

    /// <summary>Starts over from the first wait, after a success.</summary>
    public void Reset() => Next = initial;

    /// <summary>
    /// Waits <see cref="Next"/> on <paramref name="time"/> and doubles it; false when <paramref name="cancellationToken"/>
    /// fired first. <paramref name="scheduled"/> is told the wait once its timer is set (a test advances the clock then).
    /// </summary>
    public async Task<bool> WaitAsync(TimeProvider time, CancellationToken cancellationToken, Action<TimeSpan>? scheduled = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var delay = Next;
        Next = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, max.Ticks));
        var wait = Task.Delay(delay, time, cancellationToken);
        scheduled?.Invoke(delay);
        try
        {
            await wait.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
