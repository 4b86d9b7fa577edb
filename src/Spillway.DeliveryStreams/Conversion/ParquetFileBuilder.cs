using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Spillway.DeliveryStreams.Conversion;

/// <summary>
/// Turns JSON records into one Parquet file of the declared columns (one row group), and says which records did not fit.
/// The same records give the same bytes, so a file written again after a crash is identical.
/// </summary>
internal sealed class ParquetFileBuilder
{
    private readonly ParquetConversion conversion;
    private readonly Dictionary<string, int> columnIndex;
    private readonly DataField[] fields;

    public ParquetFileBuilder(ParquetConversion conversion)
    {
        this.conversion = conversion;
        columnIndex = conversion.Columns.Select((c, i) => (c.Name, i)).ToDictionary(c => c.Name, c => c.i, StringComparer.OrdinalIgnoreCase);
        fields = [.. conversion.Columns.Select(Field)];
    }

    /// <summary>The error code of a record that does not fit the schema.</summary>
    public const string MalformedData = "DataFormatConversion.MalformedData";

    /// <summary>
    /// Converts <paramref name="records"/>: the Parquet file of those that fit (null when none does), and the index and
    /// reason of each that does not.
    /// </summary>
    public async Task<(byte[]? File, List<(int Index, string Reason)> Failed)> BuildAsync(
        IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken)
    {
        var rows = new List<object?[]>(records.Count);
        var failed = new List<(int, string)>();
        for (var i = 0; i < records.Count; i++)
        {
            var row = new object?[fields.Length];
            if (Read(records[i], row) is { } reason)
            {
                failed.Add((i, reason));
                continue;
            }

            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            return (null, failed);
        }

        using var output = new MemoryStream();
        var options = new ParquetOptions { CompressionMethod = Method(conversion.Compression), RowGroupSize = Math.Max(rows.Count, 1) };
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, options, cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            using var group = writer.CreateRowGroup();
            for (var c = 0; c < fields.Length; c++)
            {
                await WriteColumnAsync(group, c, rows, cancellationToken).ConfigureAwait(false);
            }
        }

        return (output.ToArray(), failed);
    }

    private async Task WriteColumnAsync(ParquetRowGroupWriter group, int c, List<object?[]> rows, CancellationToken cancellationToken)
    {
        var field = fields[c];
        switch (conversion.Columns[c].Type)
        {
            case ParquetColumnType.String:
                await group.WriteAsync(field, rows.Select(r => (string?)r[c]).ToArray()).ConfigureAwait(false);
                break;
            case ParquetColumnType.Int:
                await group.WriteAsync<int>(field, Values<int>(rows, c), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case ParquetColumnType.BigInt:
                await group.WriteAsync<long>(field, Values<long>(rows, c), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case ParquetColumnType.Double:
                await group.WriteAsync<double>(field, Values<double>(rows, c), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case ParquetColumnType.Boolean:
                await group.WriteAsync<bool>(field, Values<bool>(rows, c), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case ParquetColumnType.Timestamp:
                await group.WriteAsync<DateTime>(field, Values<DateTime>(rows, c), cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static ReadOnlyMemory<T?> Values<T>(List<object?[]> rows, int c)
        where T : struct => rows.Select(r => (T?)r[c]).ToArray();

    private static DataField Field(ParquetColumn column) => column.Type switch
    {
        ParquetColumnType.Int => new DataField<int?>(column.Name),
        ParquetColumnType.BigInt => new DataField<long?>(column.Name),
        ParquetColumnType.Double => new DataField<double?>(column.Name),
        ParquetColumnType.Boolean => new DataField<bool?>(column.Name),
        ParquetColumnType.Timestamp => new DateTimeDataField(
            column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: true),
        _ => new DataField<string>(column.Name, nullable: true),
    };

    private static CompressionMethod Method(ParquetCompression compression) => compression switch
    {
        ParquetCompression.Gzip => CompressionMethod.Gzip,
        ParquetCompression.Uncompressed => CompressionMethod.None,
        _ => CompressionMethod.Snappy,
    };

    /// <summary>Fills <paramref name="row"/> from one record; the reason it does not fit, or null.</summary>
    private string? Read(ReadOnlyMemory<byte> record, object?[] row)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(record);
        }
        catch (JsonException e)
        {
            return $"The record is not valid JSON: {e.Message}";
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"The record is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object.";
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!columnIndex.TryGetValue(property.Name, out var c))
                {
                    continue;
                }

                var column = conversion.Columns[c];
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    row[c] = null;
                    continue;
                }

                if (Convert(column.Type, property.Value) is not { } value)
                {
                    return $"The value {Shorten(property.Value.GetRawText())} of field '{property.Name}' is not a {ParquetColumn.TypeName(column.Type)}.";
                }

                row[c] = value;
            }
        }

        return null;
    }

    private static object? Convert(ParquetColumnType type, JsonElement value) => type switch
    {
        ParquetColumnType.String => value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(),
        ParquetColumnType.Int => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i
            : IsString(value) && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out i) ? i : null,
        ParquetColumnType.BigInt => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l) ? l
            : IsString(value) && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out l) ? l : null,
        ParquetColumnType.Double => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) ? d
            : IsString(value) && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d) ? d : null,
        ParquetColumnType.Boolean => value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
            _ => null,
        },
        ParquetColumnType.Timestamp => Timestamp(value),
        _ => null,
    };

    private static object? Timestamp(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms)
            && ms >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
        }

        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        return IsString(value) && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, Utc, out var at) ? at.UtcDateTime : null;
    }

    private static bool IsString(JsonElement value) => value.ValueKind == JsonValueKind.String;

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..61] + "...";
}
