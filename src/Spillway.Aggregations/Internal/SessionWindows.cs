namespace Spillway.Aggregations.Internal;

/// <summary>
/// Session windows per key: a record opens [t, t + gap], and windows that touch or overlap merge (a record that bridges two
/// sessions makes them one), as Flink's do. A session fires when the watermark reaches its end and is kept for the allowed
/// lateness after, so a late record can still change it. Firing follows a queue of due times; an entry whose session has
/// since moved or merged away is skipped when it comes up.
/// </summary>
internal sealed class SessionWindows(Plan plan, KeyTable keys) : WindowState(plan, keys)
{
    private readonly long gap = (long)plan.Definition.Window.Gap.TotalMilliseconds;
    private readonly Dictionary<int, List<Session>> byKey = [];
    private readonly PriorityQueue<(Session Session, long Stamp, bool Purge), long> due = new();
    private readonly HashSet<Session> dirty = new(ReferenceEqualityComparer.Instance);
    private long open;

    public override long NextFire => due.TryPeek(out _, out var at) ? at : long.MaxValue;

    public override long OpenWindows => open;

    public override bool HasUpdates => dirty.Count > 0;

    public override bool Add(int key, long time, RecordFields fields, long watermark)
    {
        if (!byKey.TryGetValue(key, out var sessions))
        {
            sessions = [];
            byKey.Add(key, sessions);
        }

        long start = time, end = time + gap;
        var first = -1;
        var last = -1;
        for (var i = 0; i < sessions.Count; i++)
        {
            var s = sessions[i];
            if (s.Start <= time + gap && time <= s.End)
            {
                first = first < 0 ? i : first;
                last = i;
                start = Math.Min(start, s.Start);
                end = Math.Max(end, s.End);
            }
        }

        if (watermark != long.MinValue && end + Lateness <= watermark)
        {
            if (sessions.Count == 0)
            {
                byKey.Remove(key);
            }

            return false;
        }

        Session target;
        if (first < 0)
        {
            target = new Session(key, start, end, NewAccumulator());
            var at = sessions.FindIndex(s => s.Start > start);
            sessions.Insert(at < 0 ? sessions.Count : at, target);
            open++;
        }
        else
        {
            // Sessions are sorted and disjoint, so those the record touches are consecutive.
            target = sessions[first];
            for (var i = last; i > first; i--)
            {
                var other = sessions[i];
                target.Acc.Merge(other.Acc);
                target.Emitted |= other.Emitted;
                target.Closed |= other.Closed;
                other.Dead = true;
                Recycle(other.Acc);
                dirty.Remove(other);
                sessions.RemoveAt(i);
                open--;
            }

            target.Start = start;
            target.End = end;
        }

        target.Acc.Add(fields);
        if (target.Closed && end > watermark)
        {
            target.Closed = false;
        }

        if (target.Closed)
        {
            dirty.Add(target);
            due.Enqueue((target, end + Lateness, true), end + Lateness);
        }
        else if (!target.Queued)
        {
            // One fire entry per session: one that comes up before the session's end is moved to it then.
            due.Enqueue((target, end, false), end);
            target.Queued = true;
        }

        return true;
    }

    public override void Fire(long watermark, List<AggregateResult> rows)
    {
        FlushUpdates(rows);
        while (due.TryPeek(out var entry, out var at) && at <= watermark)
        {
            due.Dequeue();
            var s = entry.Session;
            if (!entry.Purge)
            {
                s.Queued = false;
            }

            if (s.Dead)
            {
                continue;
            }

            if (!entry.Purge && !s.Closed && entry.Stamp < s.End)
            {
                due.Enqueue((s, s.End, false), s.End);
                s.Queued = true;
                continue;
            }

            if (!entry.Purge && !s.Closed)
            {
                rows.Add(Row(s.Key, s.Start, s.End, s.Acc, s.Emitted ? ResultKind.Update : ResultKind.Final));
                s.Emitted = true;
                s.Closed = true;
                if (Lateness > 0)
                {
                    due.Enqueue((s, s.End + Lateness, true), s.End + Lateness);
                    continue;
                }
            }
            else if (!(entry.Purge && s.Closed && entry.Stamp == s.End + Lateness))
            {
                continue;
            }

            Remove(s);
        }
    }

    public override void FlushUpdates(List<AggregateResult> rows)
    {
        foreach (var s in dirty)
        {
            if (!s.Dead)
            {
                rows.Add(Row(s.Key, s.Start, s.End, s.Acc, ResultKind.Update));
            }
        }

        dirty.Clear();
    }

    public override void EmitEarly(List<AggregateResult> rows)
    {
        foreach (var sessions in byKey.Values)
        {
            foreach (var s in sessions)
            {
                if (!s.Closed)
                {
                    rows.Add(Row(s.Key, s.Start, s.End, s.Acc, ResultKind.Early));
                }
            }
        }
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(open);
        foreach (var sessions in byKey.Values)
        {
            foreach (var s in sessions)
            {
                writer.Write(s.Key);
                writer.Write(s.Start);
                writer.Write(s.End);
                writer.Write(s.Emitted);
                writer.Write(s.Closed);
                s.Acc.Write(writer);
            }
        }
    }

    public override void Read(BinaryReader reader)
    {
        byKey.Clear();
        due.Clear();
        dirty.Clear();
        open = reader.ReadInt64();
        for (long i = 0; i < open; i++)
        {
            var s = new Session(reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt64(), null!)
            {
                Emitted = reader.ReadBoolean(),
                Closed = reader.ReadBoolean(),
            };
            s.Acc = ReadAccumulator(reader);
            if (!byKey.TryGetValue(s.Key, out var sessions))
            {
                sessions = [];
                byKey.Add(s.Key, sessions);
            }

            sessions.Add(s);
            var when = s.Closed ? s.End + Lateness : s.End;
            due.Enqueue((s, when, s.Closed), when);
            s.Queued = !s.Closed;
        }
    }

    private void Remove(Session s)
    {
        s.Dead = true;
        Recycle(s.Acc);
        var sessions = byKey[s.Key];
        sessions.Remove(s);
        if (sessions.Count == 0)
        {
            byKey.Remove(s.Key);
        }

        open--;
    }

    private sealed class Session(int key, long start, long end, Accumulator acc)
    {
        public int Key { get; } = key;

        public long Start { get; set; } = start;

        public long End { get; set; } = end;

        public Accumulator Acc { get; set; } = acc;

        /// <summary>A row was emitted for it: the next one is an update.</summary>
        public bool Emitted { get; set; }

        /// <summary>The watermark passed its end and it fired; it waits out the allowed lateness.</summary>
        public bool Closed { get; set; }

        public bool Dead { get; set; }

        /// <summary>A fire entry for it is in the queue.</summary>
        public bool Queued { get; set; }
    }
}
