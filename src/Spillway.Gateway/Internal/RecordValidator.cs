using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Spillway.Sinks;

namespace Spillway.Gateway.Internal;

/// <summary>How the records are framed in the body.</summary>
internal enum BodyFormat
{
    /// <summary><c>application/json</c>: one object, or an array of objects.</summary>
    Json,

    /// <summary><c>application/x-ndjson</c>: one object per line.</summary>
    NdJson,
}

/// <summary>
/// Checks a whole request body against a route's schema in one pass of <see cref="Utf8JsonReader"/> and finds where
/// each record's JSON object lies, so the records can be stored byte for byte. Nothing is allocated for a valid body
/// except the ranges; errors allocate only on the error path. Thread-safe: it keeps no per-request state.
/// </summary>
internal sealed class RecordValidator(RecordSchema schema, int maxRecords)
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,

        // Above RecordSchema.MaxDepth so the validator reports "too deep" with a path before the reader throws.
        MaxDepth = 64,
    };

    /// <summary>The validator of <paramref name="route"/>'s records: its fields, then its table's rule when it has one.</summary>
    public static RecordValidator For(IngestRouteOptions route)
        => new(
            new RecordSchema(route.Fields, route.AllowUnknownFields, route.SinkRule),
            route.Stream is null ? route.MaxRecordsPerRequest : Math.Min(route.MaxRecordsPerRequest, Messaging.Streams.StreamLimits.MaxPutRecords));

    /// <summary>
    /// Validates <paramref name="body"/>. Returns null when every record is valid, with their byte ranges in
    /// <paramref name="records"/> and <paramref name="isBatch"/> telling whether the body was an array or NDJSON;
    /// otherwise the problem to answer with (and <paramref name="records"/> must be ignored).
    /// </summary>
    public IngestProblem? Validate(ReadOnlySpan<byte> body, BodyFormat format, int maxRecordBytes, List<Range> records, out bool isBatch)
    {
        isBatch = format == BodyFormat.NdJson;
        if (body.StartsWith("\uFEFF"u8))
        {
            // A UTF-8 byte order mark is allowed by RFC 8259 parsers; skip it but keep the offsets right.
            var problem = Validate(body[3..], format, maxRecordBytes, records, out isBatch);
            if (problem is null)
            {
                for (var i = 0; i < records.Count; i++)
                {
                    var (offset, length) = records[i].GetOffsetAndLength(int.MaxValue);
                    records[i] = new Range(offset + 3, offset + 3 + length);
                }
            }

            return problem;
        }

        if (body.IsEmpty || body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return IngestProblem.EmptyBody("The body is empty; send a JSON object, an array of objects or NDJSON.");
        }

        if (!Utf8.IsValid(body))
        {
            return IngestProblem.InvalidEncoding();
        }

        return format == BodyFormat.Json
            ? ValidateJson(body, maxRecordBytes, records, out isBatch)
            : ValidateNdJson(body, maxRecordBytes, records);
    }

    /// <summary>
    /// Validates one record sent as a whole message body, not through the route (a queue's other doors): exactly one
    /// JSON object, as the sink reads it (no byte order mark), under the same rules as a record of a request.
    /// </summary>
    public IngestProblem? ValidateOne(ReadOnlySpan<byte> body)
    {
        if (!Utf8.IsValid(body))
        {
            return IngestProblem.InvalidEncoding();
        }

        var reader = new Utf8JsonReader(body, ReaderOptions);
        Dictionary<string, string[]>? errors = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return IngestProblem.NotAnObject("$", "The body must be one JSON object: one record.");
            }

            var problem = ValidateRecord(body, ref reader, -1, 0, int.MaxValue, [], ref errors);
            if (problem is not null)
            {
                return problem;
            }

            // Throws on anything after the object but whitespace.
            reader.Read();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return IngestProblem.MalformedJson("$", e.Message);
        }

        return errors is null ? null : IngestProblem.InvalidRecords(errors);
    }

    private IngestProblem? ValidateJson(ReadOnlySpan<byte> body, int maxRecordBytes, List<Range> records, out bool isBatch)
    {
        isBatch = false;
        var reader = new Utf8JsonReader(body, ReaderOptions);
        Dictionary<string, string[]>? errors = null;
        var index = -1;
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var problem = ValidateRecord(body, ref reader, -1, 0, maxRecordBytes, records, ref errors);
                if (problem is not null)
                {
                    return problem;
                }

                // Throws on anything after the object but whitespace.
                reader.Read();
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                isBatch = true;
                index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (index >= maxRecords)
                    {
                        return IngestProblem.TooManyRecords(maxRecords);
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        IngestProblem.AddError(ref errors, Path(index, null), "must be a JSON object");
                        if (!TrySkip(ref reader))
                        {
                            return IngestProblem.TooDeep(Path(index, null), RecordSchema.MaxDepth);
                        }
                    }
                    else
                    {
                        var problem = ValidateRecord(body, ref reader, index, 0, maxRecordBytes, records, ref errors);
                        if (problem is not null)
                        {
                            return problem;
                        }
                    }

                    index++;
                }

                index = -1;
                reader.Read();
                if (records.Count == 0 && errors is null)
                {
                    return IngestProblem.EmptyBody("The array is empty; send at least one record.");
                }
            }
            else
            {
                return IngestProblem.NotAnObject("$", "The body must be a JSON object or an array of objects.");
            }
        }
        catch (JsonException e)
        {
            return IngestProblem.MalformedJson(index >= 0 ? Path(index, null) : "$", e.Message);
        }
        catch (InvalidOperationException e)
        {
            // GetString on an escaped lone surrogate: not valid text.
            return IngestProblem.MalformedJson(index >= 0 ? Path(index, null) : "$", e.Message);
        }

        return errors is null ? null : IngestProblem.InvalidRecords(errors);
    }

    private IngestProblem? ValidateNdJson(ReadOnlySpan<byte> body, int maxRecordBytes, List<Range> records)
    {
        Dictionary<string, string[]>? errors = null;
        var index = 0;
        var lineStart = 0;
        var lineNumber = 0;
        while (lineStart < body.Length)
        {
            lineNumber++;
            var rest = body[lineStart..];
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            var offset = lineStart;
            lineStart += newline < 0 ? rest.Length : newline + 1;
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (index >= maxRecords)
            {
                return IngestProblem.TooManyRecords(maxRecords);
            }

            var reader = new Utf8JsonReader(line, ReaderOptions);
            try
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return IngestProblem.NotAnObject(Path(index, null), $"Line {lineNumber} must hold one JSON object.");
                }

                var problem = ValidateRecord(line, ref reader, index, offset, maxRecordBytes, records, ref errors);
                if (problem is not null)
                {
                    return problem;
                }

                // Throws when the line holds more than one value.
                reader.Read();
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return IngestProblem.MalformedJson(Path(index, null), $"Line {lineNumber}: {e.Message}");
            }

            index++;
        }

        if (errors is not null)
        {
            return IngestProblem.InvalidRecords(errors);
        }

        return records.Count == 0 ? IngestProblem.EmptyBody("The body holds no record; send one JSON object per line.") : null;
    }

    /// <summary>Validates the object the reader is on and leaves the reader on its end. Field errors go to
    /// <paramref name="errors"/>; a problem that stops validation (too deep, too large) is returned.</summary>
    /// <param name="json">The input the reader reads.</param>
    private IngestProblem? ValidateRecord(
        ReadOnlySpan<byte> json,
        ref Utf8JsonReader reader,
        int index,
        int baseOffset,
        int maxRecordBytes,
        List<Range> records,
        ref Dictionary<string, string[]>? errors)
    {
        if (reader.CurrentDepth + 1 > RecordSchema.MaxDepth)
        {
            return IngestProblem.TooDeep(Path(index, null), RecordSchema.MaxDepth);
        }

        var start = (int)reader.TokenStartIndex;
        var errorCount = errors?.Count ?? 0;
        var fields = schema.Fields;
        var seen = 0UL;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            SchemaField? field = null;
            for (var i = 0; i < fields.Length; i++)
            {
                if (reader.ValueTextEquals(fields[i].Utf8Name))
                {
                    field = fields[i];
                    break;
                }
            }

            if (field is null)
            {
                // The name is only decoded when it is reported.
                var name = schema.AllowUnknownFields ? null : reader.GetString();
                reader.Read();
                if (name is not null)
                {
                    IngestProblem.AddError(ref errors, Path(index, name), "is not a field of this route");
                }

                if (!TrySkip(ref reader))
                {
                    return IngestProblem.TooDeep(Path(index, name), RecordSchema.MaxDepth);
                }

                continue;
            }

            reader.Read();
            if ((seen & field.Bit) != 0)
            {
                IngestProblem.AddError(ref errors, Path(index, field.Name), "appears more than once");
            }

            seen |= field.Bit;
            var message = CheckValue(json, ref reader, field);
            if (message is not null)
            {
                IngestProblem.AddError(ref errors, Path(index, field.Name), message);
            }

            if (!TrySkip(ref reader))
            {
                return IngestProblem.TooDeep(Path(index, field.Name), RecordSchema.MaxDepth);
            }
        }

        var missing = schema.RequiredMask & ~seen;
        if (missing != 0)
        {
            for (var i = 0; i < fields.Length; i++)
            {
                if ((missing & fields[i].Bit) != 0)
                {
                    IngestProblem.AddError(ref errors, Path(index, fields[i].Name), "is required");
                }
            }
        }

        var end = (int)reader.BytesConsumed;
        if (end - start > maxRecordBytes)
        {
            return IngestProblem.RecordTooLarge(Path(index, null), maxRecordBytes);
        }

        // The table's rule only for a record its fields accept: one reason per record is enough.
        if (schema.SinkRule is { } sinkRule && errorCount == (errors?.Count ?? 0)
            && sinkRule.Check(json[start..end], out var sinkField) is { } sinkProblem)
        {
            IngestProblem.AddError(ref errors, Path(index, sinkField), sinkProblem);
        }

        records.Add(new Range(baseOffset + start, baseOffset + end));
        return null;
    }

    /// <summary>Returns why the value the reader is on does not fit <paramref name="field"/>, or null when it does.</summary>
    private static string? CheckValue(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, SchemaField field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return field.Required ? "is required and must not be null" : null;
        }

        // The value rule the sink maps by, so that no record accepted here is refused there.
        var problem = ColumnValues.Check(json, ref reader, field.Type, field.MaxLength);
        if (problem is not null || !field.IsEmail)
        {
            return problem;
        }

        // Escapes are rare in practice; decoding them is the slow path.
        var value = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
        return EmailFormat.IsValid(value) ? null : "must be an email address";
    }

    /// <summary>Skips the value the reader is on (a scalar stays put), refusing nesting deeper than the limit.</summary>
    private static bool TrySkip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return true;
        }

        var depth = reader.CurrentDepth;
        if (depth + 1 > RecordSchema.MaxDepth)
        {
            return false;
        }

        while (reader.Read())
        {
            var token = reader.TokenType;
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (reader.CurrentDepth + 1 > RecordSchema.MaxDepth)
                {
                    return false;
                }
            }
            else if (token is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == depth)
            {
                return true;
            }
        }

        return true;
    }

    /// <summary>The error path: <c>name</c> for a single object, <c>/index/name</c> in a batch (JSON Pointer escaping).</summary>
    internal static string Path(int index, string? name)
    {
        if (index < 0)
        {
            return name ?? "$";
        }

        if (name is null)
        {
            return $"/{index}";
        }

        return $"/{index}/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";
    }
}
