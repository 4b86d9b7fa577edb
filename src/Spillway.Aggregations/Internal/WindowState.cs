namespace Spillway.Aggregations.Internal;

/// <summary>The windows of one aggregation, of one kind: where a record goes, which windows the watermark closes, what
/// a checkpoint holds. Event times and the watermark are Unix milliseconds; <see cref="long.MinValue"/> is "none yet".</summary>
internal abstract class WindowState(Plan plan, KeyTable keys)
{
    private const int MaxSpare = 1 << 16;

    private readonly Stack<Accumulator> spare = new();

    protected Plan Plan { get; } = plan;

    protected long Lateness { get; } = (long)plan.Definition.AllowedLateness.TotalMilliseconds;

    /// <summary>The smallest watermark at which <see cref="Fire"/> has something to do; <see cref="long.MaxValue"/> when none.</summary>
    public abstract long NextFire { get; }

    /// <summary>Closed windows changed by late records, waiting for <see cref="FlushUpdates"/>.</summary>
    public abstract bool HasUpdates { get; }

    /// <summary>Window states held (key × pane, or sessions).</summary>
    public abstract long OpenWindows { get; }

    /// <summary>Adds a record of <paramref name="key"/> at <paramref name="time"/>; false when it is too late for every
    /// window it belongs to (then nothing changed).</summary>
    public abstract bool Add(int key, long time, RecordFields fields, long watermark);

    /// <summary>Emits the windows the watermark closed and the updates pending, and drops what lateness no longer needs.</summary>
    public abstract void Fire(long watermark, List<AggregateResult> rows);

    /// <summary>Emits the rows of closed windows that late records changed.</summary>
    public abstract void FlushUpdates(List<AggregateResult> rows);

    /// <summary>Emits every open window's partial rows.</summary>
    public abstract void EmitEarly(List<AggregateResult> rows);

    public abstract void Write(BinaryWriter writer);

    public abstract void Read(BinaryReader reader);

    public static WindowState Create(Plan plan, KeyTable keys) => plan.Definition.Window.Kind == WindowKind.Session
        ? new SessionWindows(plan, keys)
        : new PaneWindows(plan, keys);

    protected AggregateResult Row(int key, long start, long end, Accumulator acc, ResultKind kind) =>
        new(keys.Values(key), DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.FromUnixTimeMilliseconds(end), acc.Results(), kind);

    // Window state lives for a window's length: recycling it keeps those objects out of the garbage collector's older
    // generations, where collecting them is what costs.
    protected Accumulator NewAccumulator() => spare.TryPop(out var acc) ? acc : new(Plan.Aggregates);

    protected void Recycle(Accumulator acc)
    {
        if (spare.Count < MaxSpare)
        {
            acc.Reset();
            spare.Push(acc);
        }
    }

    protected Accumulator ReadAccumulator(BinaryReader reader) => Accumulator.Read(reader, Plan.Aggregates);

    protected static long FloorTo(long time, long step) => time >= 0 ? time - (time % step) : time - (((time % step) + step) % step);
}
