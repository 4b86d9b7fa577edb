using System.Text.RegularExpressions;

namespace Spillway.Aggregations.Internal;

/// <summary>What makes an <see cref="AggregationDefinition"/> usable.</summary>
internal static partial class DefinitionRules
{
    public static void Validate(AggregationDefinition d)
    {
        ArgumentNullException.ThrowIfNull(d);
        Require(d.Name is { Length: > 0 and <= 80 } && NamePattern().IsMatch(d.Name),
            $"The aggregation name '{d.Name}' must be 1–80 letters, digits, '_' or '-'.");
        Require(!string.IsNullOrWhiteSpace(d.Source), "The aggregation needs a source stream.");
        Path(d.EventTimeField, "the event-time field");
        Require(d.Window is not null, "The aggregation needs a window.");
        Require(d.KeyFields is not null && d.Aggregates is not null && d.Filter is not null, "Keys, aggregates and filter may be empty but not null.");
        Require(d.Aggregates!.Count > 0, "The aggregation needs at least one aggregate.");
        Delay(d.MaxOutOfOrderness, "maxOutOfOrderness", allowZero: true);
        Delay(d.IdleTimeout, "idleTimeout", allowZero: false);
        Delay(d.AllowedLateness, "allowedLateness", allowZero: true);
        if (d.EarlyFireInterval is { } early)
        {
            Delay(early, "earlyFireInterval", allowZero: false);
        }

        var columns = new HashSet<string>(AggregationDefinition.WindowColumns, StringComparer.OrdinalIgnoreCase);
        foreach (var key in d.KeyFields!)
        {
            Require(key is not null, "A key field is null.");
            Path(key!.Field, "a key field");
            Column(key.ColumnName, columns);
        }

        foreach (var a in d.Aggregates)
        {
            Require(a is not null, "An aggregate is null.");
            Column(a!.OutputName, columns);
            Require(Enum.IsDefined(a.Function), $"Aggregate '{a.OutputName}' has an unknown function.");
            if (a.Field is null)
            {
                Require(a.Function == AggregateFunction.Count, $"Aggregate '{a.OutputName}' ({a.Function}) needs a field.");
            }
            else
            {
                Path(a.Field, $"aggregate '{a.OutputName}'");
            }

            if (a.Function == AggregateFunction.Percentile)
            {
                Require(a.Percentile is >= 0 and <= 1, $"Aggregate '{a.OutputName}' needs a percentile from 0 to 1 (0.99 for p99).");
            }
            else
            {
                Require(a.Percentile is null, $"Aggregate '{a.OutputName}' ({a.Function}) takes no percentile.");
            }
        }

        foreach (var f in d.Filter!)
        {
            Require(f is not null, "A filter condition is null.");
            Path(f!.Field, "a filter condition");
            Require(Enum.IsDefined(f.Operator), $"The filter on '{f.Field}' has an unknown operator.");
            Require(f.Value is double or string or bool, $"The filter on '{f.Field}' compares with a number, a text or a boolean.");
            Require(f.Value is not bool || f.Operator is FilterOperator.Equal or FilterOperator.NotEqual,
                $"The filter on '{f.Field}' can only test a boolean with = or !=.");
        }
    }

    /// <summary>A dotted path's segments; empty segments are refused.</summary>
    public static string[] Segments(string path) => path.Split('.');

    private static void Path(string? path, string what)
    {
        Require(!string.IsNullOrEmpty(path) && Segments(path).All(s => s.Length > 0) && path.Length <= 256,
            $"The path of {what} ('{path}') must be non-empty dotted field names.");
    }

    private static void Column(string name, HashSet<string> columns)
    {
        Require(name is { Length: > 0 and <= 63 } && ColumnPattern().IsMatch(name),
            $"The column name '{name}' must be 1–63 letters, digits or '_', not starting with a digit.");
        Require(columns.Add(name), $"The column name '{name}' is used twice (window_start and window_end are taken).");
    }

    private static void Delay(TimeSpan value, string what, bool allowZero)
    {
        Require((allowZero ? value >= TimeSpan.Zero : value > TimeSpan.Zero) && value <= AggregationDefinition.MaxDelay
                && value.Ticks % TimeSpan.TicksPerMillisecond == 0,
            $"{what} must be whole milliseconds, {(allowZero ? "0" : "1 ms")} to 7 days; got {value}.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ColumnPattern();
}
