namespace Spillway.DeliveryStreams.Conversion;

/// <summary>How the values of a Parquet file are compressed inside it (Firehose's ParquetSerDe <c>Compression</c>).</summary>
public enum ParquetCompression
{
    /// <summary>Snappy, Firehose's default.</summary>
    Snappy,

    /// <summary>Gzip.</summary>
    Gzip,

    /// <summary>None.</summary>
    Uncompressed,
}

/// <summary>Which of Firehose's JSON deserializers the records are read with; both read one JSON object per record,
/// matching its fields to columns without regard to case.</summary>
public enum JsonInputFormat
{
    /// <summary>The OpenX JSON SerDe.</summary>
    OpenX,

    /// <summary>The Apache Hive JSON SerDe.</summary>
    Hive,
}

/// <summary>A column's type, spelled as Glue and Hive spell it: <c>string</c>, <c>int</c>, <c>bigint</c>, <c>double</c>,
/// <c>boolean</c>, <c>timestamp</c>.</summary>
public enum ParquetColumnType
{
    /// <summary><c>string</c>: UTF-8 text; a number or boolean becomes its JSON text, an object or array its JSON.</summary>
    String,

    /// <summary><c>int</c>: a 32-bit integer, from a JSON number or a string holding one.</summary>
    Int,

    /// <summary><c>bigint</c>: a 64-bit integer, from a JSON number or a string holding one.</summary>
    BigInt,

    /// <summary><c>double</c>: a 64-bit float, from a JSON number or a string holding one.</summary>
    Double,

    /// <summary><c>boolean</c>: from <c>true</c>/<c>false</c> or a string holding one.</summary>
    Boolean,

    /// <summary><c>timestamp</c>: milliseconds since the epoch as a JSON number, or an ISO 8601 / <c>yyyy-MM-dd HH:mm:ss[.fff]</c>
    /// string (UTC unless it names an offset); written as a Parquet TIMESTAMP(MILLIS, UTC).</summary>
    Timestamp,
}

/// <summary>One column of the declared schema: a JSON field of that name (any case) becomes its value; a missing
/// field or a JSON null, a null.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">The column's type.</param>
public sealed record ParquetColumn(string Name, ParquetColumnType Type)
{
    /// <summary>The type of a Glue/Hive type name (<c>string</c>, <c>int</c>, <c>bigint</c>, <c>double</c>, <c>boolean</c>,
    /// <c>timestamp</c>, any case); null for any other.</summary>
    public static ParquetColumnType? ParseType(string? type) => type?.ToLowerInvariant() switch
    {
        "string" => ParquetColumnType.String,
        "int" or "integer" => ParquetColumnType.Int,
        "bigint" => ParquetColumnType.BigInt,
        "double" => ParquetColumnType.Double,
        "boolean" => ParquetColumnType.Boolean,
        "timestamp" => ParquetColumnType.Timestamp,
        _ => null,
    };

    /// <summary>The type's Glue/Hive name.</summary>
    public static string TypeName(ParquetColumnType type) => type switch
    {
        ParquetColumnType.Int => "int",
        ParquetColumnType.BigInt => "bigint",
        ParquetColumnType.Double => "double",
        ParquetColumnType.Boolean => "boolean",
        ParquetColumnType.Timestamp => "timestamp",
        _ => "string",
    };
}

/// <summary>
/// Conversion of JSON records to Parquet (Firehose's DataFormatConversionConfiguration): each file becomes one Parquet file
/// of the declared columns, its key ending in <c>.parquet</c>. The columns stand in for the Glue table Firehose reads its
/// schema from. A record that is not a JSON object, or whose field does not fit its column's type, goes to the error prefix
/// as <c>format-conversion-failed</c>.
/// </summary>
public sealed record ParquetConversion
{
    /// <summary>The most columns a schema may declare.</summary>
    public const int MaxColumns = 1000;

    /// <summary>The columns, in file order. Required: 1 to <see cref="MaxColumns"/>, names unique without regard to case.</summary>
    public required IReadOnlyList<ParquetColumn> Columns { get; init; }

    /// <summary>Compression inside the file. Defaults to Snappy, as Firehose's.</summary>
    public ParquetCompression Compression { get; init; }

    /// <summary>The deserializer the stream was declared with, shown back as declared. Defaults to OpenX.</summary>
    public JsonInputFormat Input { get; init; }

    /// <summary>The Glue database the stream named, shown back; the columns are what count. Defaults to null.</summary>
    public string? DatabaseName { get; init; }

    /// <summary>The Glue table the stream named, shown back (the columns may have come from it). Defaults to null.</summary>
    public string? TableName { get; init; }

    /// <summary>Checks the schema; the <see cref="ArgumentException"/>'s message names what is wrong.</summary>
    public void Validate()
    {
        if (Columns is null || Columns.Count == 0)
        {
            throw new ArgumentException("Format conversion needs a schema: SchemaConfiguration.Columns with at least one {Name, Type}.");
        }

        if (Columns.Count > MaxColumns)
        {
            throw new ArgumentException($"The schema declares {Columns.Count} columns; at most {MaxColumns} are allowed.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in Columns)
        {
            if (string.IsNullOrWhiteSpace(column.Name) || column.Name.Length > 255)
            {
                throw new ArgumentException("Every column of the schema needs a name of 1 to 255 characters.");
            }

            if (!seen.Add(column.Name))
            {
                throw new ArgumentException($"The schema declares the column '{column.Name}' twice (names are compared without regard to case).");
            }

            if (!Enum.IsDefined(column.Type))
            {
                throw new ArgumentException($"The column '{column.Name}' has no valid type.");
            }
        }
    }
}
