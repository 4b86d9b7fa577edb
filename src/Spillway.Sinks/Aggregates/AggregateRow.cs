namespace Spillway.Sinks.Aggregates;

/// <summary>One result of an aggregation: a window of one key.</summary>
/// <param name="Keys">The key values in the shape's order: string, long or double, never null.</param>
/// <param name="WindowStart">The window's inclusive start, a whole millisecond (stored in UTC).</param>
/// <param name="WindowEnd">The window's exclusive end, after the start, a whole millisecond (stored in UTC).</param>
/// <param name="Values">The aggregate values in the shape's order: long for Integer, finite double for Real, or null.</param>
public sealed record AggregateRow(
    IReadOnlyList<object?> Keys, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, IReadOnlyList<object?> Values);
