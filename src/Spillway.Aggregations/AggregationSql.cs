using Spillway.Aggregations.Internal;

namespace Spillway.Aggregations;

/// <summary>
/// Reads the Flink SQL subset for windowed aggregations into an <see cref="AggregationDefinition"/>:
/// <code>
/// SELECT device, COUNT(*) AS n, AVG(temp) AS avg_temp, PERCENTILE(temp, 0.99) AS p99,
///        TUMBLE_START(ts, INTERVAL '1' MINUTE) AS window_start, TUMBLE_END(ts, INTERVAL '1' MINUTE) AS window_end
/// FROM readings WHERE temp &gt; -50 AND site = 'north'
/// GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)
/// </code>
/// Windows (in GROUP BY, the first argument is the event-time field): <c>TUMBLE(ts, size)</c>, <c>HOP(ts, slide, size)</c>
/// (Flink's order: slide first), <c>SESSION(ts, gap)</c>, with <c>INTERVAL 'n' SECOND|MINUTE|HOUR|DAY</c> (or
/// MILLISECOND). Aggregates: <c>COUNT(*)</c>, <c>COUNT(x)</c>, <c>SUM</c>, <c>MIN</c>, <c>MAX</c>, <c>AVG</c>,
/// <c>COUNT(DISTINCT x)</c> and <c>APPROX_COUNT_DISTINCT(x)</c> (both HyperLogLog), <c>PERCENTILE(x, p)</c>,
/// <c>PERCENTILE_APPROX(x, p)</c> and <c>APPROX_PERCENTILE(x, p)</c> (all DDSketch; p from 0 to 1). An aggregate without
/// AS is named function_field (count, avg_temp, p99_temp). <c>*_START</c>/<c>*_END</c>, <c>window_start</c> and
/// <c>window_end</c> in the select list are accepted and always present. WHERE takes comparisons of a field with a
/// constant joined by AND. Fields may be dotted paths (<c>site.id</c>) or quoted (<c>"ts"</c>, <c>`ts`</c>).
/// Anything else fails with an <see cref="ArgumentException"/> naming the unsupported part.
/// </summary>
public static class AggregationSql
{
    /// <summary>Parses and validates.</summary>
    /// <param name="sql">The query.</param>
    /// <param name="name">The aggregation's name (SQL has no place for it); "aggregation" when null.</param>
    /// <exception cref="ArgumentException">The query is outside the subset or unusable; the message says which part.</exception>
    public static AggregationDefinition Parse(string sql, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var definition = new SqlParser(SqlLexer.Tokenize(sql)).Parse(name ?? "aggregation");
        definition.Validate();
        return definition;
    }
}
