using System.Globalization;
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
        Span<bool> present = stackalloc bool[columns.Length];
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

                if (present[index])
                {
                    return $"field '{columns[index].Field}' appears more than once";
                }

                present[index] = true;
                var reason = ReadValue(ref reader, body, columns[index], out values[index]);
                if (reason is not null)
                {
                    return reason;
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
            if (columns[i].Required && values[i] is null)
            {
                return present[i] ? $"field '{columns[i].Field}' is null" : $"field '{columns[i].Field}' is missing";
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

    private static string? ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, ColumnMapping column, out object? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        switch (column.Type)
        {
            case ColumnType.Text when reader.TokenType == JsonTokenType.String:
                var text = reader.GetString()!;
                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    // PostgreSQL cannot store NUL in text; reject everywhere so all providers agree.
                    return $"field '{column.Field}' contains a NUL character";
                }

                if (column.MaxLength is { } max && text.Length > max && CountCharacters(text) > max)
                {
                    return $"field '{column.Field}' is longer than {max} characters";
                }

                value = text;
                return null;

            case ColumnType.Integer when reader.TokenType == JsonTokenType.Number:
                if (!reader.TryGetInt64(out var integer))
                {
                    return $"field '{column.Field}' is not a 64-bit integer";
                }

                value = integer;
                return null;

            case ColumnType.Real when reader.TokenType == JsonTokenType.Number:
                var real = reader.GetDouble();
                if (!double.IsFinite(real))
                {
                    return $"field '{column.Field}' is out of range";
                }

                value = real;
                return null;

            case ColumnType.Boolean when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                value = reader.GetBoolean();
                return null;

            case ColumnType.Timestamp when reader.TokenType == JsonTokenType.String:
                if (!DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal, out var timestamp))
                {
                    return $"field '{column.Field}' is not an ISO-8601 timestamp";
                }

                value = timestamp.UtcDateTime;
                return null;

            case ColumnType.Json:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                var json = Encoding.UTF8.GetString(body[start..end]);
                if (column.MaxLength is { } jsonMax && json.Length > jsonMax)
                {
                    return $"field '{column.Field}' is longer than {jsonMax} characters";
                }

                value = json;
                return null;

            default:
                return $"field '{column.Field}' must be {Describe(column.Type)}";
        }
    }

    /// <summary>Characters as the databases count them (code points), not UTF-16 units.</summary>
    private static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string Describe(ColumnType type) => type switch
    {
        ColumnType.Text => "a string",
        ColumnType.Integer => "an integer",
        ColumnType.Real => "a number",
        ColumnType.Boolean => "true or false",
        ColumnType.Timestamp => "an ISO-8601 timestamp string",
        _ => "a JSON value",
    };
}
