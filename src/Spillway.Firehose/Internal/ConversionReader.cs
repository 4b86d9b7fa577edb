using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams.Conversion;

namespace Spillway.Firehose.Internal;

/// <summary>
/// Reads a <c>DataFormatConversionConfiguration</c>: JSON in (OpenX or Hive JSON SerDe), Parquet out, and the schema. There
/// is no Glue Data Catalog here: the columns come from <c>SchemaConfiguration.Columns</c>, Spillway's own member (a list of
/// <c>{Name, Type}</c>), or from the table of <c>SchemaConfiguration.TableName</c> declared under
/// <c>Spillway:Firehose:Tables</c>. What is not built (ORC, SerDe options that change parsing) is refused by name.
/// </summary>
internal static class ConversionReader
{
    /// <summary>The conversion <paramref name="configuration"/> asks for; null when it is disabled.</summary>
    public static ParquetConversion? Read(AwsInput configuration, IReadOnlyDictionary<string, string> tables)
    {
        if (configuration.Bool("Enabled") == false)
        {
            return null;
        }

        var input = Input(configuration.Structure("InputFormatConfiguration")?.Structure("Deserializer")
            ?? throw FirehoseErrors.Invalid("DataFormatConversionConfiguration needs InputFormatConfiguration.Deserializer (OpenXJsonSerDe or HiveJsonSerDe)."));
        var serializer = configuration.Structure("OutputFormatConfiguration")?.Structure("Serializer")
            ?? throw FirehoseErrors.Invalid("DataFormatConversionConfiguration needs OutputFormatConfiguration.Serializer (ParquetSerDe).");
        if (serializer.Structure("OrcSerDe") is not null)
        {
            throw FirehoseErrors.Invalid("OrcSerDe is not supported here: records are converted to Parquet (ParquetSerDe).");
        }

        var parquet = serializer.Structure("ParquetSerDe")
            ?? throw FirehoseErrors.Invalid("OutputFormatConfiguration.Serializer needs a ParquetSerDe.");
        var compression = parquet.String("Compression") switch
        {
            null or "SNAPPY" => ParquetCompression.Snappy,
            "GZIP" => ParquetCompression.Gzip,
            "UNCOMPRESSED" => ParquetCompression.Uncompressed,
            var other => throw FirehoseErrors.Shape(
                $"1 validation error detected: Value '{other}' at 'parquetSerDe.compression' failed to satisfy constraint: "
                + "Member must satisfy enum value set: [UNCOMPRESSED, GZIP, SNAPPY]"),
        };

        var schema = configuration.Structure("SchemaConfiguration")
            ?? throw FirehoseErrors.Invalid("DataFormatConversionConfiguration needs a SchemaConfiguration.");
        var database = schema.String("DatabaseName");
        var table = schema.String("TableName");
        var conversion = new ParquetConversion
        {
            Columns = Columns(schema, table, tables),
            Compression = compression,
            Input = input,
            DatabaseName = database,
            TableName = table,
        };
        try
        {
            conversion.Validate();
        }
        catch (ArgumentException e)
        {
            throw FirehoseErrors.Invalid(e.Message);
        }

        return conversion;
    }

    /// <summary>Parses a column list as configured for a table: <c>device string, reading int, at timestamp</c>.</summary>
    /// <exception cref="ArgumentException">The list is not that shape or names an unknown type.</exception>
    public static List<ParquetColumn> ParseColumns(string list, string table)
    {
        var columns = new List<ParquetColumn>();
        foreach (var entry in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || ParquetColumn.ParseType(parts[1]) is not { } type)
            {
                throw new ArgumentException(
                    $"The table '{table}' declares '{entry}': write each column as '<name> <type>', the type one of string, int, bigint, "
                    + "double, boolean, timestamp.");
            }

            columns.Add(new ParquetColumn(parts[0], type));
        }

        return columns;
    }

    private static JsonInputFormat Input(AwsInput deserializer)
    {
        if (deserializer.Structure("OpenXJsonSerDe") is { } openX)
        {
            if (openX.Bool("ConvertDotsInJsonKeysToUnderscores") == true)
            {
                throw FirehoseErrors.Invalid("OpenXJsonSerDe.ConvertDotsInJsonKeysToUnderscores is not supported here.");
            }

            if (openX.Bool("CaseInsensitive") == false)
            {
                throw FirehoseErrors.Invalid("OpenXJsonSerDe.CaseInsensitive false is not supported here: fields match columns without regard to case.");
            }

            if (openX.Map(string.Empty, "key", "value", "ColumnToJsonKeyMappings") is { Count: > 0 })
            {
                throw FirehoseErrors.Invalid("OpenXJsonSerDe.ColumnToJsonKeyMappings is not supported here: name the columns as the JSON fields.");
            }

            return JsonInputFormat.OpenX;
        }

        if (deserializer.Structure("HiveJsonSerDe") is { } hive)
        {
            if (hive.List(string.Empty, "TimestampFormats") is { Count: > 0 })
            {
                throw FirehoseErrors.Invalid(
                    "HiveJsonSerDe.TimestampFormats is not supported here: timestamps are epoch milliseconds or ISO 8601 / yyyy-MM-dd HH:mm:ss text.");
            }

            return JsonInputFormat.Hive;
        }

        throw FirehoseErrors.Invalid("InputFormatConfiguration.Deserializer needs an OpenXJsonSerDe or a HiveJsonSerDe.");
    }

    private static IReadOnlyList<ParquetColumn> Columns(AwsInput schema, string? table, IReadOnlyDictionary<string, string> tables)
    {
        if (schema.Structures(string.Empty, "Columns") is { } inline)
        {
            return [.. inline.Select(c => new ParquetColumn(
                c.String("Name") ?? throw FirehoseErrors.Invalid("Every column of SchemaConfiguration.Columns needs a Name."),
                ParquetColumn.ParseType(c.String("Type"))
                    ?? throw FirehoseErrors.Invalid(
                        $"The column '{c.String("Name")}' has type '{c.String("Type")}'; use string, int, bigint, double, boolean or timestamp.")))];
        }

        if (table is not null && tables.TryGetValue(table, out var declared))
        {
            try
            {
                return ParseColumns(declared, table);
            }
            catch (ArgumentException e)
            {
                throw FirehoseErrors.Invalid(e.Message);
            }
        }

        throw FirehoseErrors.Invalid(
            $"There is no Glue Data Catalog here: give SchemaConfiguration.Columns as a list of {{Name, Type}}, or declare the table "
            + $"'{table ?? "<TableName>"}' under Spillway:Firehose:Tables (\"device string, reading int\").");
    }
}
