using System.Text;

namespace Spillway.Aggregations.Internal;

/// <summary>A definition compiled for the hot path: each field a slot of <see cref="RecordFields"/>, each filter a slot and
/// a constant.</summary>
internal sealed class Plan
{
    public Plan(AggregationDefinition definition)
    {
        var paths = new List<string>();
        int Slot(string path)
        {
            var at = paths.IndexOf(path);
            if (at < 0)
            {
                paths.Add(path);
                at = paths.Count - 1;
            }

            return at;
        }

        Definition = definition;
        EventTimeSlot = Slot(definition.EventTimeField);
        KeySlots = [.. definition.KeyFields.Select(k => Slot(k.Field))];
        Aggregates = [.. definition.Aggregates.Select(a => new CompiledAggregate(a.Function, a.Field is null ? -1 : Slot(a.Field), a.Percentile ?? 0))];
        Filters = [.. definition.Filter.Select(f => new CompiledFilter(Slot(f.Field), f.Operator, f.Value))];
        Paths = paths;
    }

    public AggregationDefinition Definition { get; }

    public IReadOnlyList<string> Paths { get; }

    public int EventTimeSlot { get; }

    public int[] KeySlots { get; }

    public CompiledAggregate[] Aggregates { get; }

    public CompiledFilter[] Filters { get; }

    public bool Passes(RecordFields fields)
    {
        foreach (var f in Filters)
        {
            if (!f.Holds(fields))
            {
                return false;
            }
        }

        return true;
    }
}

internal readonly record struct CompiledAggregate(AggregateFunction Function, int Slot, double Percentile);

internal sealed class CompiledFilter(int slot, FilterOperator op, object value)
{
    private readonly byte[]? text = value is string s ? Encoding.UTF8.GetBytes(s) : null;

    public bool Holds(RecordFields fields)
    {
        int? order = value switch
        {
            double n => fields.TryNumber(slot, out var v) ? v.CompareTo(n) : null,
            bool b => fields.Kind(slot) switch
            {
                FieldKind.True => b ? 0 : 1,
                FieldKind.False => b ? 1 : 0,
                _ => null,
            },
            _ => fields.Kind(slot) == FieldKind.Text ? fields.Text(slot).SequenceCompareTo(text) : null,
        };
        if (order is not { } o)
        {
            return op == FilterOperator.NotEqual;
        }

        return op switch
        {
            FilterOperator.Equal => o == 0,
            FilterOperator.NotEqual => o != 0,
            FilterOperator.Less => o < 0,
            FilterOperator.LessOrEqual => o <= 0,
            FilterOperator.Greater => o > 0,
            _ => o >= 0,
        };
    }
}
