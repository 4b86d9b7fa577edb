using System.Text.Json.Serialization;
using Spillway.Aggregations.Internal;

namespace Spillway.Aggregations;

/// <summary>
/// One aggregation: which stream it reads, how it finds a record's event time and key, its window, the aggregates it
/// computes, and how event time advances. Immutable; <see cref="Validate"/> (called by the engine, the JSON and SQL
/// readers) rejects an unusable one with a message naming the problem. Serialised as JSON by
/// <see cref="AggregationJson"/>: that is the body of <c>POST /v1/aggregations</c> and what <c>GET</c> returns.
/// </summary>
/// <remarks>
/// A record is a JSON object. Its event time is the field at <see cref="EventTimeField"/>, ISO-8601 text (UTC unless it
/// names an offset) or a number of milliseconds since the Unix epoch. A record that is not a JSON object, or lacks a valid
/// event time, is not guessed at: it is an invalid record, counted and handed to the output's late/invalid records with
/// its reason, like a record too late for its window. A record whose key field is missing groups under a null key.
/// </remarks>
[JsonConverter(typeof(AggregationDefinitionJsonConverter))]
public sealed class AggregationDefinition
{
    /// <summary>The longest out-of-orderness, idle timeout, lateness or early-fire interval accepted: 7 days.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    /// <summary>Columns every result row has, so no key or aggregate may take these names.</summary>
    public static readonly IReadOnlyList<string> WindowColumns = ["window_start", "window_end"];

    /// <summary>The aggregation's name (letters, digits, '_' and '-', 1–80 characters); required. The host names the
    /// results table after it.</summary>
    public required string Name { get; init; }

    /// <summary>The stream read; required.</summary>
    public required string Source { get; init; }

    /// <summary>The dotted JSON path of the event time; required.</summary>
    public required string EventTimeField { get; init; }

    /// <summary>The key columns; none for one group over all records. Defaults to none.</summary>
    public IReadOnlyList<KeyField> KeyFields { get; init; } = [];

    /// <summary>The window; required.</summary>
    public required WindowSpec Window { get; init; }

    /// <summary>The aggregates, at least one; required.</summary>
    public required IReadOnlyList<AggregateSpec> Aggregates { get; init; }

    /// <summary>Conditions a record must all meet to be counted (AND); none by default. A record filtered out is neither
    /// counted nor late: it does not move the watermark.</summary>
    public IReadOnlyList<FilterCondition> Filter { get; init; } = [];

    /// <summary>How far behind the newest event time a record may arrive and still be on time: the watermark is the newest
    /// event time seen (per shard, the least of the shards) minus this. Defaults to 5 seconds.</summary>
    public TimeSpan MaxOutOfOrderness { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After this long with no record (processing time), a shard stops holding the watermark back, and once
    /// every shard is idle the watermark moves on with the clock, so windows close when the input goes quiet. Defaults to
    /// 30 seconds.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after a window closed (in watermark time) a late record still updates it and re-emits its row.
    /// Later records go to the late records. Defaults to zero: a closed window is final.</summary>
    public TimeSpan AllowedLateness { get; init; } = TimeSpan.Zero;

    /// <summary>When set, open windows also emit their partial rows at this interval (processing time); null (the default)
    /// emits only when a window closes.</summary>
    public TimeSpan? EarlyFireInterval { get; init; }

    /// <summary>Every output column in order: keys, window_start, window_end, aggregates.</summary>
    public IReadOnlyList<string> Columns =>
        [.. KeyFields.Select(k => k.ColumnName), .. WindowColumns, .. Aggregates.Select(a => a.OutputName)];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem found.</summary>
    public void Validate() => DefinitionRules.Validate(this);

    /// <summary>The declaration as JSON (<see cref="AggregationJson"/>).</summary>
    public override string ToString() => AggregationJson.Serialize(this);
}
