namespace Spillway.Aggregations;

/// <summary>What an aggregate computes over a window's records of one key.</summary>
public enum AggregateFunction
{
    /// <summary>Records (no field), or records whose field is present and not null.</summary>
    Count,

    /// <summary>Sum of the field's numeric values; null when there were none.</summary>
    Sum,

    /// <summary>Smallest numeric value; null when there were none.</summary>
    Min,

    /// <summary>Largest numeric value; null when there were none.</summary>
    Max,

    /// <summary>Mean of the numeric values; null when there were none.</summary>
    Avg,

    /// <summary>
    /// Approximate count of distinct values (text or number), by HyperLogLog with 2^14 registers: a standard error of
    /// 1.04/√16384 ≈ 0.81%; small counts (below about 40,000) are near exact through linear counting.
    /// </summary>
    CountDistinct,

    /// <summary>
    /// Approximate percentile of the numeric values, by a DDSketch of 1% relative accuracy: the value returned is within
    /// ±1% of a value whose rank is the requested one (zero exactly; negative values are kept apart and handled alike).
    /// </summary>
    Percentile,
}

/// <summary>One output column: <paramref name="OutputName"/> = <paramref name="Function"/>(<paramref name="Field"/>).</summary>
/// <param name="OutputName">The column's name: letters, digits and '_', not starting with a digit, at most 63 characters.</param>
/// <param name="Function">The function.</param>
/// <param name="Field">The record field (a dotted JSON path); null only for <see cref="AggregateFunction.Count"/> (all records).</param>
/// <param name="Percentile">For <see cref="AggregateFunction.Percentile"/>: the rank, 0 to 1 (0.99 for p99); null otherwise.</param>
public sealed record AggregateSpec(string OutputName, AggregateFunction Function, string? Field = null, double? Percentile = null);

/// <summary>A key column: the record field at <paramref name="Field"/> (a dotted JSON path), under <see cref="ColumnName"/>.</summary>
/// <param name="Field">The dotted path, e.g. "device" or "site.id".</param>
/// <param name="Alias">The column's name; null for the path's last segment.</param>
public sealed record KeyField(string Field, string? Alias = null)
{
    /// <summary>The output column: the alias, else the path's last segment.</summary>
    public string ColumnName => Alias ?? Field[(Field.LastIndexOf('.') + 1)..];
}

/// <summary>The comparisons a filter offers.</summary>
public enum FilterOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>
/// One comparison of a record field with a constant; a filter is a list of them, all of which must hold (AND).
/// A number compares with a number (a numeric text counts as one), a text with a text (ordinal); a field that is missing,
/// null or of the other type fails every comparison except <see cref="FilterOperator.NotEqual"/>.
/// </summary>
/// <param name="Field">The dotted path.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Value">A <see cref="double"/>, a <see cref="string"/> or a <see cref="bool"/>.</param>
public sealed record FilterCondition(string Field, FilterOperator Operator, object Value);
