using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams;

namespace Spillway.Firehose.Internal;

internal sealed partial class FirehoseApi
{
    /// <summary>An HTTP endpoint destination as Firehose describes it; the access key is never shown.</summary>
    private void WriteEndpoint(AwsResponse r, DeliveryStreamDefinition definition)
    {
        var endpoint = definition.HttpEndpoint!;
        r.BeginStructure("HttpEndpointDestinationDescription");
        r.BeginStructure("EndpointConfiguration");
        r.String("Url", endpoint.Url.ToString());
        if (endpoint.Name is { } name)
        {
            r.String("Name", name);
        }

        r.EndStructure("EndpointConfiguration");
        WriteHints(r, definition);
        r.BeginStructure("RequestConfiguration");
        r.String("ContentEncoding", endpoint.Gzip ? "GZIP" : "NONE");
        r.BeginList("CommonAttributes");
        foreach (var (attribute, value) in endpoint.CommonAttributes)
        {
            r.BeginItem("member");
            r.String("AttributeName", attribute);
            r.String("AttributeValue", value);
            r.EndItem("member");
        }

        r.EndList();
        r.EndStructure("RequestConfiguration");
        WriteProcessing(r, definition);
        r.String("RoleARN", "arn:aws:iam::000000000000:role/firehose");
        r.BeginStructure("RetryOptions");
        r.Number("DurationInSeconds", (long)endpoint.RetryDuration.TotalSeconds);
        r.EndStructure("RetryOptions");
        r.String("S3BackupMode", endpoint.BackupAllData ? "AllData" : "FailedDataOnly");
        WriteDestination(r, "S3DestinationDescription", definition, extended: false);
        r.EndStructure("HttpEndpointDestinationDescription");
    }

    /// <summary>Spillway's SQL table destination, in the shape it is declared with.</summary>
    private void WriteTable(AwsResponse r, DeliveryStreamDefinition definition)
    {
        var table = definition.SqlTable!;
        r.BeginStructure("SqlTableDestinationDescription");
        r.String("Database", table.Database);
        r.String("TableName", table.Table);
        r.BeginList("Columns");
        foreach (var column in table.Columns)
        {
            r.BeginItem("member");
            r.String("Column", column.Column);
            r.String("Field", column.Field);
            r.String("Type", TableReader.TypeName(column.Type));
            if (column.MaxLength is { } maxLength)
            {
                r.Number("MaxLength", maxLength);
            }

            r.Bool("Required", column.Required);
            r.EndItem("member");
        }

        r.EndList();
        WriteHints(r, definition);
        WriteProcessing(r, definition);
        WriteDestination(r, "S3DestinationDescription", definition, extended: false);
        r.EndStructure("SqlTableDestinationDescription");
    }
}
