using System.Globalization;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams;
using Spillway.DeliveryStreams.Conversion;

namespace Spillway.Firehose.Internal;

internal sealed partial class FirehoseApi
{
    private async ValueTask CreateAsync(AwsCall call)
    {
        var name = Name(call);
        var type = call.Input.String("DeliveryStreamType") ?? DirectPut;
        var source = type switch
        {
            DirectPut => null,
            KinesisSource => SourceOf(call.Input.Structure("KinesisStreamSourceConfiguration")
                ?? throw FirehoseErrors.Invalid("KinesisStreamSourceConfiguration is required for a KinesisStreamAsSource delivery stream.")),
            _ => throw FirehoseErrors.Invalid($"DeliveryStreamType {type} is not supported; DirectPut and KinesisStreamAsSource are."),
        };
        if (source is null && call.Input.Structure("KinesisStreamSourceConfiguration") is not null)
        {
            throw FirehoseErrors.Invalid("KinesisStreamSourceConfiguration is only valid for a KinesisStreamAsSource delivery stream.");
        }

        var definition = DestinationReader.ForCreate(name, call.Input, tables) with
        {
            Tags = Tags(call.Input, "Tags") ?? new Dictionary<string, string>(StringComparer.Ordinal),
            Source = source,
        };
        await streams.CreateAsync(definition, call.Aborted).ConfigureAwait(false);
        var r = call.Response;
        r.Begin(call.Action);
        r.String("DeliveryStreamARN", StreamArn(name));
        r.End(call.Action, call.RequestId);
    }

    private const string DirectPut = "DirectPut";
    private const string KinesisSource = "KinesisStreamAsSource";

    /// <summary>The stream a <c>KinesisStreamSourceConfiguration</c> names, which must exist. Its <c>StartingPosition</c>
    /// (Spillway's: <c>LATEST</c>, the default as in Firehose, or <c>TRIM_HORIZON</c>) says where reading starts.</summary>
    private DeliveryStreamSource SourceOf(AwsInput configuration)
    {
        var arnText = Required(configuration, "KinesisStreamARN");
        _ = Required(configuration, "RoleARN");
        var stream = Arn.TryParse(arnText, out var arn) && arn.Service == "kinesis" && arn.Resource.StartsWith("stream/", StringComparison.Ordinal)
            ? arn.Resource["stream/".Length..]
            : throw FirehoseErrors.Invalid($"KinesisStreamARN {arnText} is not a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>).");
        if (streamExists is null || !streamExists(stream))
        {
            throw FirehoseErrors.Invalid($"Stream {stream} under account {account.AccountId} not found.");
        }

        return configuration.String("StartingPosition") switch
        {
            null or "LATEST" => new DeliveryStreamSource(stream),
            "TRIM_HORIZON" => new DeliveryStreamSource(stream, FromOldest: true),
            var other => throw FirehoseErrors.Invalid($"StartingPosition {other} is not one of LATEST and TRIM_HORIZON."),
        };
    }

    private async ValueTask DeleteAsync(AwsCall call)
    {
        var name = Name(call);
        if (!await streams.DeleteAsync(name, call.Aborted).ConfigureAwait(false))
        {
            throw NotFound(name);
        }

        call.Response.Empty(call.Action, call.RequestId);
    }

    private ValueTask DescribeAsync(AwsCall call)
    {
        var stream = Stream(call);
        var definition = stream.Definition;
        var created = streams.CreatedAt(definition.Name) ?? DateTimeOffset.UnixEpoch;
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginStructure("DeliveryStreamDescription");
        r.String("DeliveryStreamName", definition.Name);
        r.String("DeliveryStreamARN", StreamArn(definition.Name));
        r.String("DeliveryStreamStatus", "ACTIVE");
        r.String("DeliveryStreamType", definition.Source is null ? DirectPut : KinesisSource);
        if (definition.Source is { } source)
        {
            r.BeginStructure("Source");
            r.BeginStructure("KinesisStreamSourceDescription");
            r.String("KinesisStreamARN", account.Arn("kinesis", "stream/" + source.Stream).ToString());
            r.String("RoleARN", "arn:aws:iam::000000000000:role/firehose");
            r.Timestamp("DeliveryStartTimestamp", created);
            r.EndStructure("KinesisStreamSourceDescription");
            r.EndStructure("Source");
        }

        r.String("VersionId", definition.Version.ToString(CultureInfo.InvariantCulture));
        r.Timestamp("CreateTimestamp", created);
        r.BeginStructure("DeliveryStreamEncryptionConfiguration");
        r.String("Status", "DISABLED");
        r.EndStructure("DeliveryStreamEncryptionConfiguration");
        r.BeginList("Destinations");
        r.BeginItem("member");
        r.String("DestinationId", DestinationId);
        if (definition.HttpEndpoint is not null)
        {
            WriteEndpoint(r, definition);
        }
        else if (definition.SqlTable is not null)
        {
            WriteTable(r, definition);
        }
        else
        {
            WriteDestination(r, "S3DestinationDescription", definition, extended: false);
            WriteDestination(r, "ExtendedS3DestinationDescription", definition, extended: true);
        }

        r.EndItem("member");
        r.EndList();
        r.Bool("HasMoreDestinations", false);
        r.EndStructure("DeliveryStreamDescription");
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private void WriteDestination(AwsResponse r, string member, DeliveryStreamDefinition definition, bool extended)
    {
        r.BeginStructure(member);
        r.String("RoleARN", "arn:aws:iam::000000000000:role/firehose");
        r.String("BucketARN", "arn:aws:s3:::" + definition.Bucket);
        if (definition.Prefix is { } prefix)
        {
            r.String("Prefix", prefix);
        }

        if (definition.ErrorOutputPrefix is { } errorPrefix)
        {
            r.String("ErrorOutputPrefix", errorPrefix);
        }

        WriteHints(r, definition);
        r.String("CompressionFormat", definition.Compression == DeliveryCompression.Gzip ? "GZIP" : "UNCOMPRESSED");
        r.BeginStructure("EncryptionConfiguration");
        r.String("NoEncryptionConfig", "NoEncryption");
        r.EndStructure("EncryptionConfiguration");
        if (extended)
        {
            WriteProcessing(r, definition);
            WriteConversion(r, definition);
            r.BeginStructure("DynamicPartitioningConfiguration");
            r.Bool("Enabled", definition.PartitionQueries.Count > 0);
            r.EndStructure("DynamicPartitioningConfiguration");
            r.String("S3BackupMode", "Disabled");
        }

        r.EndStructure(member);
    }

    private static void WriteHints(AwsResponse r, DeliveryStreamDefinition definition)
    {
        r.BeginStructure("BufferingHints");
        r.Number("SizeInMBs", definition.BufferSizeBytes / (1024 * 1024));
        r.Number("IntervalInSeconds", (long)definition.BufferInterval.TotalSeconds);
        r.EndStructure("BufferingHints");
    }

    private static void WriteProcessing(AwsResponse r, DeliveryStreamDefinition definition)
    {
        r.BeginStructure("ProcessingConfiguration");
        r.Bool("Enabled", definition.AppendNewline || definition.PartitionQueries.Count > 0 || definition.Transform is not null);
        r.BeginList("Processors");
        if (definition.Transform is { } transform)
        {
            WriteProcessor(
                r,
                "Lambda",
                ("LambdaArn", transform.Function),
                ("NumberOfRetries", transform.NumberOfRetries.ToString(CultureInfo.InvariantCulture)),
                ("BufferSizeInMBs", transform.BufferSizeMiB.ToString(CultureInfo.InvariantCulture)),
                ("BufferIntervalInSeconds", ((long)transform.BufferInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        }

        if (definition.PartitionQueries.Count > 0)
        {
            var query = "{" + string.Join(",", definition.PartitionQueries.Select(q => $"{q.Key}:{q.Value}")) + "}";
            WriteProcessor(r, "MetadataExtraction", ("MetadataExtractionQuery", query), ("JsonParsingEngine", "JQ-1.6"));
        }

        if (definition.AppendNewline)
        {
            WriteProcessor(r, "AppendDelimiterToRecord");
        }

        r.EndList();
        r.EndStructure("ProcessingConfiguration");
    }

    /// <summary>The conversion as declared, with the columns it uses in <c>SchemaConfiguration.Columns</c>.</summary>
    private void WriteConversion(AwsResponse r, DeliveryStreamDefinition definition)
    {
        if (definition.Conversion is not { } conversion)
        {
            return;
        }

        r.BeginStructure("DataFormatConversionConfiguration");
        r.Bool("Enabled", true);
        r.BeginStructure("SchemaConfiguration");
        r.String("RoleARN", "arn:aws:iam::" + account.AccountId + ":role/firehose");
        r.String("CatalogId", account.AccountId);
        r.String("DatabaseName", conversion.DatabaseName ?? "spillway");
        r.String("TableName", conversion.TableName ?? definition.Name);
        r.String("Region", account.Region);
        r.String("VersionId", "LATEST");
        r.BeginList("Columns");
        foreach (var column in conversion.Columns)
        {
            r.BeginItem("member");
            r.String("Name", column.Name);
            r.String("Type", ParquetColumn.TypeName(column.Type));
            r.EndItem("member");
        }

        r.EndList();
        r.EndStructure("SchemaConfiguration");
        r.BeginStructure("InputFormatConfiguration");
        r.BeginStructure("Deserializer");
        var deserializer = conversion.Input == JsonInputFormat.Hive ? "HiveJsonSerDe" : "OpenXJsonSerDe";
        r.BeginStructure(deserializer);
        r.EndStructure(deserializer);
        r.EndStructure("Deserializer");
        r.EndStructure("InputFormatConfiguration");
        r.BeginStructure("OutputFormatConfiguration");
        r.BeginStructure("Serializer");
        r.BeginStructure("ParquetSerDe");
        r.String("Compression", conversion.Compression switch
        {
            ParquetCompression.Gzip => "GZIP",
            ParquetCompression.Uncompressed => "UNCOMPRESSED",
            _ => "SNAPPY",
        });
        r.EndStructure("ParquetSerDe");
        r.EndStructure("Serializer");
        r.EndStructure("OutputFormatConfiguration");
        r.EndStructure("DataFormatConversionConfiguration");
    }

    private static void WriteProcessor(AwsResponse r, string type, params (string Name, string Value)[] parameters)
    {
        r.BeginItem("member");
        r.String("Type", type);
        r.BeginList("Parameters");
        foreach (var (name, value) in parameters)
        {
            r.BeginItem("member");
            r.String("ParameterName", name);
            r.String("ParameterValue", value);
            r.EndItem("member");
        }

        r.EndList();
        r.EndItem("member");
    }

    private ValueTask List(AwsCall call)
    {
        var limit = Bounded(call.Input, "Limit", 1, 10_000) ?? 10;
        var after = call.Input.String("ExclusiveStartDeliveryStreamName");
        var type = call.Input.String("DeliveryStreamType");
        var names = streams.List()
            .Where(s => type is null || type == (s.Definition.Source is null ? DirectPut : KinesisSource))
            .Select(s => s.Definition.Name)
            .Where(n => after is null || string.CompareOrdinal(n, after) > 0)
            .ToList();
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginList("DeliveryStreamNames");
        foreach (var name in names.Take(limit))
        {
            r.ListString("member", name);
        }

        r.EndList();
        r.Bool("HasMoreDeliveryStreams", names.Count > limit);
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private async ValueTask UpdateDestinationAsync(AwsCall call)
    {
        var stream = Stream(call);
        var version = Required(call.Input, "CurrentDeliveryStreamVersionId");
        var destinationId = Required(call.Input, "DestinationId");
        if (destinationId != DestinationId)
        {
            throw FirehoseErrors.Invalid($"Destination {destinationId} does not exist; this delivery stream has {DestinationId}.");
        }

        var files = call.Input.Structure("ExtendedS3DestinationUpdate") ?? call.Input.Structure("S3DestinationUpdate");
        var endpoint = call.Input.Structure(EndpointReader.Update);
        var table = call.Input.Structure(TableReader.Update);
        if ((files is null ? 0 : 1) + (endpoint is null ? 0 : 1) + (table is null ? 0 : 1) != 1)
        {
            throw FirehoseErrors.Invalid(
                "UpdateDestination needs one of ExtendedS3DestinationUpdate (or S3DestinationUpdate), HttpEndpointDestinationUpdate and "
                + "SqlTableDestinationUpdate.");
        }

        var current = stream.Definition;
        if (version != current.Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new AwsException(
                FirehoseErrors.ConcurrentModification,
                $"Delivery stream version id {version} does not match the current version id {current.Version}; describe the stream again.");
        }

        var next = files is not null ? DestinationReader.Apply(current, files, tables)
            : endpoint is not null ? EndpointReader.Apply(current, endpoint)
            : TableReader.Apply(current, table!);
        next.Validate();
        await streams.UpdateAsync(current.Name, _ => next, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask TagAsync(AwsCall call)
    {
        var stream = Stream(call);
        var tags = Tags(call.Input, "Tags")
            ?? throw FirehoseErrors.Shape("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
        var merged = new Dictionary<string, string>(stream.Definition.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            merged[key] = value;
        }

        if (merged.Count > 50)
        {
            throw new AwsException(new AwsError("LimitExceededException", 400), "A delivery stream can have at most 50 tags.");
        }

        await streams.SetTagsAsync(stream.Definition.Name, merged, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask UntagAsync(AwsCall call)
    {
        var stream = Stream(call);
        var keys = call.Input.List("TagKeys", "TagKeys")
            ?? throw FirehoseErrors.Shape("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
        var kept = stream.Definition.Tags.Where(t => !keys.Contains(t.Key)).ToDictionary(StringComparer.Ordinal);
        await streams.SetTagsAsync(stream.Definition.Name, kept, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private ValueTask ListTags(AwsCall call)
    {
        var stream = Stream(call);
        var limit = Bounded(call.Input, "Limit", 1, 50) ?? 50;
        var after = call.Input.String("ExclusiveStartTagKey");
        var tags = stream.Definition.Tags
            .Where(t => after is null || string.CompareOrdinal(t.Key, after) > 0)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginList("Tags");
        foreach (var (key, value) in tags.Take(limit))
        {
            r.BeginItem("member");
            r.String("Key", key);
            r.String("Value", value);
            r.EndItem("member");
        }

        r.EndList();
        r.Bool("HasMoreTags", tags.Count > limit);
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private static Dictionary<string, string>? Tags(AwsInput input, string member) =>
        input.Structures(member, member)?.ToDictionary(
            t => t.String("Key") ?? throw FirehoseErrors.Shape("1 validation error detected: a tag needs a Key"),
            t => t.String("Value") ?? string.Empty,
            StringComparer.Ordinal);

    private static string Required(AwsInput input, string name) => DestinationReader.Required(input, name);
}
