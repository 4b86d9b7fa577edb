namespace Spillway.Processing;

public sealed partial class EventSourceMapping
{
    private readonly Lock capacityGate = new();
    private TaskCompletionSource capacity = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int concurrencyLimit;

    /// <summary>
    /// How many handler invocations may run at once now: between 1 and <see cref="EventSourceMappingOptions.MaximumConcurrency"/>,
    /// which it starts at. An autoscaler moves it with <see cref="SetConcurrencyLimit"/>.
    /// </summary>
    public int ConcurrencyLimit => Volatile.Read(ref concurrencyLimit);

    /// <summary>
    /// Changes <see cref="ConcurrencyLimit"/>, clamped to 1..<see cref="EventSourceMappingOptions.MaximumConcurrency"/>.
    /// A lower limit takes effect as running invocations finish (none is cut short); a higher one at once.
    /// </summary>
    public int SetConcurrencyLimit(int limit)
    {
        var clamped = Math.Clamp(limit, 1, Options.MaximumConcurrency);
        Volatile.Write(ref concurrencyLimit, clamped);
        SignalCapacity();
        return clamped;
    }

    // The semaphore holds MaximumConcurrency slots; the limit is enforced on top by handing back a slot taken above it
    // and waiting until an invocation ends or the limit rises.
    private async Task<bool> TakeSlotWithinLimitAsync(CancellationToken stop)
    {
        Task changed;
        lock (capacityGate)
        {
            changed = capacity.Task;
        }

        await slots.WaitAsync(stop).ConfigureAwait(false);
        if (Options.MaximumConcurrency - slots.CurrentCount <= ConcurrencyLimit)
        {
            return true;
        }

        slots.Release();
        await changed.WaitAsync(stop).ConfigureAwait(false);
        return false;
    }

    private void SignalCapacity()
    {
        TaskCompletionSource previous;
        lock (capacityGate)
        {
            previous = capacity;
            capacity = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
