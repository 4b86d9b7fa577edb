using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams;
using Spillway.DeliveryStreams.Destinations;
using Spillway.Sinks;

namespace Spillway.Firehose.Internal;

/// <summary>
/// Reads Spillway's <c>SqlTableDestinationConfiguration</c> (or <c>…Update</c>) into a delivery stream's settings:
/// <c>Database</c> (a configured sink), <c>TableName</c>, <c>Columns</c> (a list of <c>{Column, Field, Type, MaxLength,
/// Required}</c>), and the buffering and processing that feed it.
/// </summary>
internal static class TableReader
{
    public const string Configuration = "SqlTableDestinationConfiguration";
    public const string Update = "SqlTableDestinationUpdate";

    /// <summary>Applies <paramref name="destination"/> to <paramref name="current"/>: what it names replaces what was.</summary>
    public static DeliveryStreamDefinition Apply(DeliveryStreamDefinition current, AwsInput destination)
    {
        var columns = Columns(destination);
        var table = current.SqlTable is { } known
            ? known with
            {
                Database = destination.String("Database") ?? known.Database,
                Table = destination.String("TableName") ?? known.Table,
                Columns = columns ?? known.Columns,
            }
            : new SqlTableDestination
            {
                Database = DestinationReader.Required(destination, "Database"),
                Table = DestinationReader.Required(destination, "TableName"),
                Columns = columns ?? throw FirehoseErrors.Shape(
                    "1 validation error detected: Value null at 'sqlTableDestinationConfiguration.columns' failed to satisfy constraint: "
                    + "Member must not be null"),
            };
        var next = current with { SqlTable = table, HttpEndpoint = null, Conversion = null };
        if ((destination.Structure("S3Configuration") ?? destination.Structure("S3Update")) is { } s3)
        {
            next = DestinationReader.ApplyBackup(next, s3);
        }

        next = DestinationReader.ApplyHints(next, destination.Structure("BufferingHints"));
        return DestinationReader.ApplyProcessing(next, destination);
    }

    /// <summary>The type names a column may have, as the sinks' configuration spells them.</summary>
    public static string TypeName(ColumnType type) => type.ToString().ToLowerInvariant();

    private static List<ColumnMapping>? Columns(AwsInput destination) => destination.Structures("Columns", "Columns")?.Select(Column).ToList();

    private static ColumnMapping Column(AwsInput declared)
    {
        var column = declared.String("Column") is { Length: > 0 } name
            ? name
            : throw FirehoseErrors.Invalid("Each of SqlTableDestinationConfiguration.Columns needs a Column.");
        var type = declared.String("Type") ?? "text";
        return new ColumnMapping(
            column,
            declared.String("Field") ?? column,
            Enum.GetValues<ColumnType>().Where(t => TypeName(t) == type).Select(t => (ColumnType?)t).FirstOrDefault()
                ?? throw FirehoseErrors.Invalid($"Column {column} has the type '{type}'; the types are text, integer, real, boolean, timestamp and json."),
            declared.Int("MaxLength"),
            declared.Bool("Required") ?? false);
    }
}
