using System.Collections;
using System.Runtime.CompilerServices;

namespace Spillway.Aggregations.Internal;

/// <summary>
/// A row's aggregate values without a box each: kept as doubles (counts too, exact far beyond any count), NaN for null,
/// and boxed only when read, as long for counts and double for the rest. Rows wait in memory until the next write, so
/// one object per row instead of an array and a box per value is most of what windows cost the garbage collector.
/// </summary>
internal sealed class ResultValues : IReadOnlyList<object?>
{
    private const int InlineValues = 4;
    private readonly CompiledAggregate[] aggregates;
    private readonly double[]? rest;
    private Inline first;

    public ResultValues(CompiledAggregate[] aggregates)
    {
        this.aggregates = aggregates;
        rest = aggregates.Length > InlineValues ? new double[aggregates.Length - InlineValues] : null;
    }

    public int Count => aggregates.Length;

    public object? this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, aggregates.Length);
            var value = index < InlineValues ? first[index] : rest![index - InlineValues];
            if (double.IsNaN(value))
            {
                return null;
            }

            return aggregates[index].Function is AggregateFunction.Count or AggregateFunction.CountDistinct ? (object)(long)value : value;
        }
    }

    /// <summary>Sets value <paramref name="index"/>; null when nothing was counted.</summary>
    public void Set(int index, double? value)
    {
        var stored = value ?? double.NaN;
        if (index < InlineValues)
        {
            first[index] = stored;
        }
        else
        {
            rest![index - InlineValues] = stored;
        }
    }

    public IEnumerator<object?> GetEnumerator()
    {
        for (var i = 0; i < aggregates.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    [InlineArray(InlineValues)]
    private struct Inline
    {
        private double element;
    }
}
