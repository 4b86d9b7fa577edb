using System.Runtime.InteropServices;

namespace Spillway.Aggregations.Internal;

/// <summary>
/// Tumbling and hopping windows over panes of one slide each: a record updates the one pane it falls in, and a window,
/// when it fires, merges its size/slide panes per key in one pass over them. A hopping window's record thus costs what a
/// tumbling one's does. Windows fire in order of their end; every end at or before <see cref="firedThrough"/> has fired.
/// </summary>
internal sealed class PaneWindows : WindowState
{
    private const int MaxSparePanes = 4;

    private readonly long size;
    private readonly long slide;
    private readonly Dictionary<long, Dictionary<int, Accumulator>> panes = [];
    private readonly HashSet<(long End, int Key)> dirty = [];

    // The window being emitted, key by key; kept to reuse its buckets.
    // A hopping window's keys while its panes merge: the accumulator of each key by its number (keys are numbered from 0),
    // and the keys in the order they first appear, so a merge finds its key by index rather than by a hash lookup.
    private readonly List<int> mergingOrder = [];
    private Accumulator?[] merging = [];

    // Panes that expired, emptied: the next pane takes one with its capacity instead of growing a new table (with
    // thousands of keys a pane's table is a large-object array, whose garbage costs full collections).
    private readonly Stack<Dictionary<int, Accumulator>> sparePanes = new();
    private long cachedStart = long.MinValue;
    private Dictionary<int, Accumulator>? cached;
    private long firedThrough = long.MinValue;
    private long nextFire = long.MaxValue;
    private long open;

    public PaneWindows(Plan plan, KeyTable keys)
        : base(plan, keys)
    {
        size = (long)plan.Definition.Window.Size.TotalMilliseconds;
        slide = (long)plan.Definition.Window.Slide.TotalMilliseconds;
    }

    public override long NextFire => nextFire;

    public override long OpenWindows => open;

    public override bool HasUpdates => dirty.Count > 0;

    public override bool Add(int key, long time, RecordFields fields, long watermark)
    {
        var start = FloorTo(time, slide);
        if (watermark != long.MinValue && start + size + Lateness <= watermark)
        {
            return false;
        }

        if (start != cachedStart || cached is null)
        {
            if (!panes.TryGetValue(start, out cached))
            {
                cached = sparePanes.TryPop(out var spare) ? spare : [];
                panes.Add(start, cached);
            }

            cachedStart = start;
        }

        ref var acc = ref CollectionsMarshal.GetValueRefOrAddDefault(cached, key, out var existed);
        if (!existed)
        {
            acc = NewAccumulator();
            open++;
        }

        acc!.Add(fields);
        if (firedThrough != long.MinValue && start + slide <= firedThrough)
        {
            // Windows that already fired take this record as an update while they are within the allowed lateness.
            for (var end = start + slide; end <= Math.Min(start + size, firedThrough); end += slide)
            {
                if (end + Lateness > watermark)
                {
                    dirty.Add((end, key));
                }
            }
        }

        var first = firedThrough == long.MinValue ? start + slide : Math.Max(start + slide, firedThrough + slide);
        if (first <= start + size && first < nextFire)
        {
            nextFire = first;
        }

        return true;
    }

    public override void Fire(long watermark, List<AggregateResult> rows)
    {
        FlushUpdates(rows);
        while (nextFire <= watermark)
        {
            Emit(nextFire, ResultKind.Final, rows);
            firedThrough = nextFire;
            nextFire = ComputeNextFire();
        }

        // Ends passed without records are closed too, so a record for one of them later counts as late, not on time.
        var closed = FloorTo(watermark, slide);
        if (closed > firedThrough)
        {
            firedThrough = closed;
            nextFire = ComputeNextFire();
        }

        List<long>? expired = null;
        foreach (var (start, pane) in panes)
        {
            if (start + size + Lateness <= watermark)
            {
                (expired ??= []).Add(start);
                open -= pane.Count;
                foreach (var acc in pane.Values)
                {
                    Recycle(acc);
                }
            }
        }

        if (expired is not null)
        {
            foreach (var start in expired)
            {
                if (panes.Remove(start, out var pane) && sparePanes.Count < MaxSparePanes)
                {
                    pane.Clear();
                    sparePanes.Push(pane);
                }
            }

            cached = null;
        }
    }

    public override void FlushUpdates(List<AggregateResult> rows)
    {
        foreach (var (end, key) in dirty)
        {
            var acc = NewAccumulator();
            for (var start = end - size; start < end; start += slide)
            {
                if (panes.TryGetValue(start, out var pane) && pane.TryGetValue(key, out var part))
                {
                    acc.Merge(part);
                }
            }

            if (acc.Rows > 0)
            {
                rows.Add(Row(key, end - size, end, acc, ResultKind.Update));
            }

            Recycle(acc);
        }

        dirty.Clear();
    }

    public override void EmitEarly(List<AggregateResult> rows)
    {
        var ends = new SortedSet<long>();
        foreach (var start in panes.Keys)
        {
            var first = firedThrough == long.MinValue ? start + slide : Math.Max(start + slide, firedThrough + slide);
            for (var end = first; end <= start + size; end += slide)
            {
                ends.Add(end);
            }
        }

        foreach (var end in ends)
        {
            Emit(end, ResultKind.Early, rows);
        }
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(firedThrough);
        writer.Write(panes.Count);
        foreach (var (start, pane) in panes)
        {
            writer.Write(start);
            writer.Write(pane.Count);
            foreach (var (key, acc) in pane)
            {
                writer.Write(key);
                acc.Write(writer);
            }
        }
    }

    public override void Read(BinaryReader reader)
    {
        panes.Clear();
        dirty.Clear();
        cached = null;
        open = 0;
        firedThrough = reader.ReadInt64();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var start = reader.ReadInt64();
            var entries = reader.ReadInt32();
            var pane = new Dictionary<int, Accumulator>(entries);
            for (var j = 0; j < entries; j++)
            {
                pane.Add(reader.ReadInt32(), ReadAccumulator(reader));
            }

            panes.Add(start, pane);
            open += entries;
        }

        nextFire = ComputeNextFire();
    }

    // The first window end after firedThrough that a pane with records falls in.
    private long ComputeNextFire()
    {
        var next = long.MaxValue;
        foreach (var start in panes.Keys)
        {
            var first = firedThrough == long.MinValue ? start + slide : Math.Max(start + slide, firedThrough + slide);
            if (first <= start + size && first < next)
            {
                next = first;
            }
        }

        return next;
    }

    private void Emit(long end, ResultKind kind, List<AggregateResult> rows)
    {
        var start = end - size;
        if (size == slide)
        {
            if (panes.TryGetValue(start, out var only))
            {
                foreach (var (key, acc) in only)
                {
                    rows.Add(Row(key, start, end, acc, kind));
                }
            }

            return;
        }

        // Each key once, in the order it first appears in the window's panes, its panes merged in one pass over them.
        for (var p = start; p < end; p += slide)
        {
            if (!panes.TryGetValue(p, out var pane))
            {
                continue;
            }

            foreach (var (key, acc) in pane)
            {
                if (key >= merging.Length)
                {
                    Array.Resize(ref merging, Math.Max(key + 1, merging.Length * 2));
                }

                if (merging[key] is not { } into)
                {
                    merging[key] = into = NewAccumulator();
                    mergingOrder.Add(key);
                }

                into.Merge(acc);
            }
        }

        foreach (var key in mergingOrder)
        {
            var acc = merging[key]!;
            merging[key] = null;
            rows.Add(Row(key, start, end, acc, kind));
            Recycle(acc);
        }

        mergingOrder.Clear();
    }
}
