namespace Spillway.Aggregations;

/// <summary>Why a row was emitted.</summary>
public enum ResultKind
{
    /// <summary>The window closed: the watermark passed its end. The usual, final row.</summary>
    Final,

    /// <summary>A partial row of a window still open (<see cref="AggregationDefinition.EarlyFireInterval"/>); its final
    /// row replaces it.</summary>
    Early,

    /// <summary>A late record within <see cref="AggregationDefinition.AllowedLateness"/> changed a closed window: this row
    /// replaces the one emitted before.</summary>
    Update,
}

/// <summary>
/// One result row: the key values, the window, and each aggregate under its output name. A sink keyed on
/// (keys, window_start) upserts it, so an <see cref="ResultKind.Update"/> or the final row replaces what came before.
/// </summary>
/// <param name="Keys">The key values in <see cref="AggregationDefinition.KeyFields"/> order: a string for a JSON text, a
/// long or double for a number, a bool, or null when the field was missing or null.</param>
/// <param name="WindowStart">The window's start (inclusive); for a session, its first record's event time.</param>
/// <param name="WindowEnd">The window's end (exclusive); for a session, its last record's event time plus the gap.</param>
/// <param name="Values">The aggregates in <see cref="AggregationDefinition.Aggregates"/> order: a long for count and
/// count_distinct; a double, or null when no numeric value was seen, for the others.</param>
/// <param name="Kind">Why the row was emitted.</param>
public sealed record AggregateResult(
    IReadOnlyList<object?> Keys, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, IReadOnlyList<object?> Values, ResultKind Kind)
{
    /// <summary>True for a row that replaces one emitted before for the same key and window.</summary>
    public bool IsUpdate => Kind == ResultKind.Update;
}

/// <summary>Why a record did not count.</summary>
public enum LateReason
{
    /// <summary>Every window it belongs to closed more than the allowed lateness ago.</summary>
    Late,

    /// <summary>It is not a JSON object, or has no valid event time.</summary>
    Invalid,
}

/// <summary>A record that did not count, kept for the late-records table or queue: never silently dropped.</summary>
/// <param name="Reason">Late or invalid.</param>
/// <param name="RecordId">Where it came from (the runner passes "shardId/sequenceNumber"); null when not given.</param>
/// <param name="EventTime">Its event time when it had one.</param>
/// <param name="Watermark">The watermark when it arrived (null before the first).</param>
/// <param name="Data">The record's bytes.</param>
public sealed record LateRecord(LateReason Reason, string? RecordId, DateTimeOffset? EventTime, DateTimeOffset? Watermark, ReadOnlyMemory<byte> Data);

/// <summary>What the engine emitted since it was last asked, with, from <see cref="AggregationEngine.Checkpoint"/>, the
/// snapshot that covers exactly these rows: store them together.</summary>
public sealed record AggregationOutput(IReadOnlyList<AggregateResult> Rows, IReadOnlyList<LateRecord> Late, byte[]? Checkpoint);

/// <summary>The engine's figures.</summary>
/// <param name="RecordsIn">Records given to the engine.</param>
/// <param name="RecordsFiltered">Records the filter left out.</param>
/// <param name="LateRecords">Records too late for every window they belong to.</param>
/// <param name="InvalidRecords">Records without a JSON object or a valid event time.</param>
/// <param name="RowsEmitted">Rows emitted (final, early and updates).</param>
/// <param name="OpenWindows">Window states held: key × pane for tumbling and hopping windows, sessions for session windows.</param>
/// <param name="Watermark">The watermark; null before the first record.</param>
/// <param name="StateBytes">The size of the last checkpoint, in bytes.</param>
public readonly record struct AggregationStatistics(
    long RecordsIn, long RecordsFiltered, long LateRecords, long InvalidRecords, long RowsEmitted, long OpenWindows,
    DateTimeOffset? Watermark, long StateBytes);
