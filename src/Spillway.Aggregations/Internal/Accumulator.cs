using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Spillway.Aggregations.Internal;

/// <summary>The running aggregates of one key in one window (or pane, or session): mergeable, so a hopping window is the
/// merge of its panes and two sessions bridged by a record become one.</summary>
internal sealed class Accumulator
{
    private readonly CompiledAggregate[] aggregates;
    private readonly double[] values;
    private readonly long[] counts;
    private readonly HyperLogLog?[] distinct;
    private readonly DdSketch?[] sketches;

    public Accumulator(CompiledAggregate[] aggregates)
    {
        this.aggregates = aggregates;
        values = new double[aggregates.Length];
        counts = new long[aggregates.Length];
        distinct = new HyperLogLog?[aggregates.Length];
        sketches = new DdSketch?[aggregates.Length];
    }

    public long Rows { get; private set; }

    public void Add(RecordFields fields)
    {
        Rows++;
        for (var i = 0; i < aggregates.Length; i++)
        {
            var a = aggregates[i];
            if (a.Slot < 0)
            {
                continue;
            }

            switch (a.Function)
            {
                case AggregateFunction.Count:
                    if (fields.Kind(a.Slot) is not (FieldKind.Absent or FieldKind.Null))
                    {
                        counts[i]++;
                    }

                    break;
                case AggregateFunction.CountDistinct:
                    if (Hash(fields, a.Slot) is { } hash)
                    {
                        (distinct[i] ??= new HyperLogLog()).AddHash(hash);
                    }

                    break;
                case AggregateFunction.Percentile:
                    if (fields.TryNumber(a.Slot, out var p))
                    {
                        (sketches[i] ??= new DdSketch()).Add(p);
                    }

                    break;
                default:
                    if (fields.TryNumber(a.Slot, out var v))
                    {
                        Fold(i, a.Function, v, 1);
                    }

                    break;
            }
        }
    }

    public void Merge(Accumulator other)
    {
        Rows += other.Rows;
        for (var i = 0; i < aggregates.Length; i++)
        {
            switch (aggregates[i].Function)
            {
                case AggregateFunction.Count:
                    counts[i] += other.counts[i];
                    break;
                case AggregateFunction.CountDistinct:
                    if (other.distinct[i] is { } h)
                    {
                        (distinct[i] ??= new HyperLogLog()).Merge(h);
                    }

                    break;
                case AggregateFunction.Percentile:
                    if (other.sketches[i] is { } s)
                    {
                        (sketches[i] ??= new DdSketch()).Merge(s);
                    }

                    break;
                default:
                    if (other.counts[i] > 0)
                    {
                        Fold(i, aggregates[i].Function, other.values[i], other.counts[i]);
                    }

                    break;
            }
        }
    }

    /// <summary>The aggregates' values in declaration order: long for counts, double (or null when nothing was counted) for the rest.</summary>
    public IReadOnlyList<object?> Results()
    {
        var results = new ResultValues(aggregates);
        for (var i = 0; i < aggregates.Length; i++)
        {
            var a = aggregates[i];
            results.Set(i, a.Function switch
            {
                AggregateFunction.Count => a.Slot < 0 ? Rows : counts[i],
                AggregateFunction.CountDistinct => distinct[i]?.Estimate() ?? 0L,
                AggregateFunction.Percentile => sketches[i]?.Quantile(a.Percentile),
                AggregateFunction.Avg => counts[i] == 0 ? null : values[i] / counts[i],
                _ => counts[i] == 0 ? null : values[i],
            });
        }

        return results;
    }

    /// <summary>Empties it for reuse, keeping the sketches' arrays.</summary>
    public void Reset()
    {
        Rows = 0;
        Array.Clear(values);
        Array.Clear(counts);
        Array.Clear(distinct);
        foreach (var sketch in sketches)
        {
            sketch?.Clear();
        }
    }

    public int Size()
    {
        var size = 32 + (aggregates.Length * 16);
        for (var i = 0; i < aggregates.Length; i++)
        {
            size += (distinct[i]?.Size ?? 0) + (sketches[i]?.Size ?? 0);
        }

        return size;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Rows);
        for (var i = 0; i < aggregates.Length; i++)
        {
            writer.Write(counts[i]);
            writer.Write(values[i]);
            writer.Write(distinct[i] is not null);
            distinct[i]?.Write(writer);
            writer.Write(sketches[i] is not null);
            sketches[i]?.Write(writer);
        }
    }

    public static Accumulator Read(BinaryReader reader, CompiledAggregate[] aggregates)
    {
        var acc = new Accumulator(aggregates) { Rows = reader.ReadInt64() };
        for (var i = 0; i < aggregates.Length; i++)
        {
            acc.counts[i] = reader.ReadInt64();
            acc.values[i] = reader.ReadDouble();
            acc.distinct[i] = reader.ReadBoolean() ? HyperLogLog.Read(reader) : null;
            acc.sketches[i] = reader.ReadBoolean() ? DdSketch.Read(reader) : null;
        }

        return acc;
    }

    private void Fold(int i, AggregateFunction function, double value, long count)
    {
        var first = counts[i] == 0;
        counts[i] += count;
        values[i] = function switch
        {
            AggregateFunction.Min => first ? value : Math.Min(values[i], value),
            AggregateFunction.Max => first ? value : Math.Max(values[i], value),
            _ => values[i] + value,
        };
    }

    // Numbers hash by value (so 1 and 1.0 are one value), texts by their bytes; null and missing are not values.
    private static ulong? Hash(RecordFields fields, int slot)
    {
        switch (fields.Kind(slot))
        {
            case FieldKind.Absent or FieldKind.Null:
                return null;
            case FieldKind.Number:
                var n = fields.Number(slot);
                return XxHash3.HashToUInt64(MemoryMarshal.AsBytes(new ReadOnlySpan<double>(ref n)), seed: 1);
            case FieldKind.True:
                return XxHash3.HashToUInt64("true"u8, seed: 2);
            case FieldKind.False:
                return XxHash3.HashToUInt64("false"u8, seed: 2);
            default:
                return XxHash3.HashToUInt64(fields.Text(slot));
        }
    }
}
