using System.Text;
using System.Text.Json;

namespace Spillway.Sinks.Internal;

/// <summary>One record mapped to column values, in <see cref="TableShape.Columns"/> order.</summary>
/// <param name="Values">string, long, double, bool, DateTime (UTC) or JSON text per column; null for SQL NULL.</param>
internal readonly record struct MappedRow(Guid Id, DateTime CreatedAt, object?[] Values);

/// <summary>Turns JSON object bodies into rows, or into a rejection with a reason a person can act on.</summary>
internal sealed class RecordMapper
{
    private readonly ColumnMapping[] columns;
    private readonly byte[][] fieldNames;

    public RecordMapper(TableShape shape)
    {
        columns = [.. shape.Columns];
        fieldNames = [.. columns.Select(c => Encoding.UTF8.GetBytes(c.Field))];
    }

    /// <summary>
    /// Maps a batch. A message id seen twice in the batch is written once (the first); the queue is at least once,
    /// so a batch may carry the same message twice, and a single COPY would otherwise fail on it.
    /// </summary>
    public (List<MappedRow> Rows, List<RejectedRecord> Rejected) Map(IReadOnlyList<SinkRecord> records)
    {
        var rows = new List<MappedRow>(records.Count);
        var rejected = new List<RejectedRecord>();
        var seen = new HashSet<Guid>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (!seen.Add(record.MessageId))
            {
                continue;
            }

            var values = new object?[columns.Length];
            var reason = TryMap(record.Body.Span, values);
            if (reason is null)
            {
                rows.Add(new MappedRow(record.MessageId, record.SentAt.UtcDateTime, values));
            }
            else
            {
                rejected.Add(new RejectedRecord(record.MessageId, reason));
            }
        }

        return (rows, rejected);
    }

    /// <summary>Fills <paramref name="values"/>; returns null on success or why the record cannot be written.</summary>
    internal string? TryMap(ReadOnlySpan<byte> body, object?[] values)
    {
        var problem = Map(body, values, out var field);
        return problem is null ? null : Describe(field, problem);
    }

    /// <summary>
    /// The sink's body rule: the decisions of <see cref="TryMap"/>, without making values. Returns null when the table
    /// can hold <paramref name="body"/>; otherwise why not, worded to follow <paramref name="field"/>'s name, or about
    /// the body as a whole when <paramref name="field"/> is null.
    /// </summary>
    internal string? Check(ReadOnlySpan<byte> body, out string? field) => Map(body, null, out field);

    /// <summary>One sentence for a problem of <see cref="Check"/>.</summary>
    internal static string Describe(string? field, string problem) => field is null ? problem : $"field '{field}' {problem}";

    private string? Map(ReadOnlySpan<byte> body, object?[]? values, out string? field)
    {
        field = null;
        Span<FieldState> states = stackalloc FieldState[columns.Length];
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the body is not a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = FindField(ref reader);
                reader.Read();
                if (index < 0)
                {
                    reader.Skip();
                    continue;
                }

                var column = columns[index];
                if (states[index] != FieldState.Missing)
                {
                    field = column.Field;
                    return "appears more than once";
                }

                if (reader.TokenType == JsonTokenType.Null)
                {
                    states[index] = FieldState.Null;
                    continue;
                }

                states[index] = FieldState.Value;
                var start = (int)reader.TokenStartIndex;
                var problem = ColumnValues.Check(body, ref reader, column.Type, column.MaxLength, out var timestamp);
                if (problem is not null)
                {
                    field = column.Field;
                    return problem;
                }

                if (values is not null)
                {
                    values[index] = column.Type switch
                    {
                        ColumnType.Text => reader.GetString(),
                        ColumnType.Integer => reader.GetInt64(),
                        ColumnType.Real => reader.GetDouble(),
                        ColumnType.Boolean => reader.GetBoolean(),
                        ColumnType.Timestamp => timestamp,
                        _ => Encoding.UTF8.GetString(body[start..(int)reader.BytesConsumed]),
                    };
                }
            }

            // Anything after the closing brace (a second document, garbage) makes the body invalid.
            if (reader.Read())
            {
                return "the body has data after the JSON object";
            }
        }
        catch (JsonException e)
        {
            return "the body is not valid JSON: " + e.Message;
        }

        for (var i = 0; i < columns.Length; i++)
        {
            if (columns[i].Required && states[i] != FieldState.Value)
            {
                field = columns[i].Field;
                return states[i] == FieldState.Null ? "is null" : "is missing";
            }
        }

        return null;
    }

    private int FindField(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < fieldNames.Length; i++)
        {
            if (reader.ValueTextEquals(fieldNames[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private enum FieldState : byte
    {
        Missing,
        Null,
        Value,
    }
}
