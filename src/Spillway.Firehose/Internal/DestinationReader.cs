using System.Globalization;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams;
using Spillway.DeliveryStreams.Transform;

namespace Spillway.Firehose.Internal;

/// <summary>
/// Reads an S3 destination (<c>ExtendedS3DestinationConfiguration</c>, <c>S3DestinationConfiguration</c> or their
/// <c>…Update</c> forms) into a delivery stream's settings. What is not built is refused by name, never ignored.
/// </summary>
internal static class DestinationReader
{
    private static readonly string[] OtherDestinations =
    [
        "RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration", "AmazonopensearchserviceDestinationConfiguration",
        "SplunkDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
        "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration",
    ];

    private static readonly string[] Destinations =
    [
        "ExtendedS3DestinationConfiguration", "S3DestinationConfiguration", EndpointReader.Configuration, TableReader.Configuration,
    ];

    /// <summary>The settings of a CreateDeliveryStream request's one destination: files (an S3 destination), an HTTP
    /// endpoint or a SQL table.</summary>
    public static DeliveryStreamDefinition ForCreate(string name, AwsInput input, IReadOnlyDictionary<string, string> tables)
    {
        foreach (var other in OtherDestinations)
        {
            if (input.Structure(other) is not null)
            {
                throw FirehoseErrors.Invalid(
                    $"{other} is not supported here: delivery streams write to the object store, an HTTP endpoint or a SQL table.");
            }
        }

        var given = Destinations.Where(d => input.Structure(d) is not null).ToList();
        if (given.Count > 1 && !(given.Count == 2 && given[0] == "ExtendedS3DestinationConfiguration" && given[1] == "S3DestinationConfiguration"))
        {
            throw FirehoseErrors.Invalid($"A delivery stream has one destination; the request gives {string.Join(" and ", given)}.");
        }

        switch (given.FirstOrDefault())
        {
            case EndpointReader.Configuration:
                return EndpointReader.Apply(Backup(name, input.Structure(EndpointReader.Configuration)!), input.Structure(EndpointReader.Configuration)!);
            case TableReader.Configuration:
                return TableReader.Apply(Backup(name, input.Structure(TableReader.Configuration)!), input.Structure(TableReader.Configuration)!);
            case null:
                throw FirehoseErrors.Invalid(
                    "A delivery stream needs an ExtendedS3DestinationConfiguration (or S3DestinationConfiguration), an "
                    + "HttpEndpointDestinationConfiguration or a SqlTableDestinationConfiguration.");
            default:
                var destination = input.Structure(given[0])!;
                return Apply(new DeliveryStreamDefinition { Name = name, Bucket = Bucket(Required(destination, "BucketARN")) }, destination, tables);
        }
    }

    /// <summary>A stream whose bucket, where what is not delivered goes, is the required <c>S3Configuration</c>'s; the
    /// destination's reader applies the rest.</summary>
    private static DeliveryStreamDefinition Backup(string name, AwsInput destination)
    {
        var s3 = destination.Structure("S3Configuration")
            ?? throw FirehoseErrors.Shape("1 validation error detected: Value null at 's3Configuration' failed to satisfy constraint: Member must not be null");
        return new DeliveryStreamDefinition { Name = name, Bucket = Bucket(Required(s3, "BucketARN")) };
    }

    /// <summary>An S3 configuration's bucket, prefixes and compression, which an HTTP endpoint's or a table's backup
    /// files take; its buffering hints are the backup's own in Firehose and are not used here.</summary>
    public static DeliveryStreamDefinition ApplyBackup(DeliveryStreamDefinition current, AwsInput s3)
    {
        var next = current;
        if (s3.String("BucketARN") is { } bucketArn)
        {
            next = next with { Bucket = Bucket(bucketArn) };
        }

        if (s3.String("Prefix") is { } prefix)
        {
            next = next with { Prefix = prefix.Length == 0 ? null : prefix };
        }

        if (s3.String("ErrorOutputPrefix") is { } errorPrefix)
        {
            next = next with { ErrorOutputPrefix = errorPrefix.Length == 0 ? null : errorPrefix };
        }

        return s3.String("CompressionFormat") switch
        {
            null => next,
            "UNCOMPRESSED" => next with { Compression = DeliveryCompression.None },
            "GZIP" => next with { Compression = DeliveryCompression.Gzip },
            var other => throw FirehoseErrors.Invalid($"CompressionFormat {other} is not supported here; use UNCOMPRESSED or GZIP."),
        };
    }

    /// <summary>The buffering hints, each within 1–<paramref name="maxMiB"/> MiB and 0–900 s.</summary>
    public static DeliveryStreamDefinition ApplyHints(DeliveryStreamDefinition current, AwsInput? hints, int maxMiB = DeliveryLimits.MaxBufferMiB)
    {
        if (hints is null)
        {
            return current;
        }

        var size = BoundedHint(hints, "SizeInMBs", DeliveryLimits.MinBufferMiB, maxMiB);
        var interval = BoundedHint(hints, "IntervalInSeconds", DeliveryLimits.MinIntervalSeconds, DeliveryLimits.MaxIntervalSeconds);
        return current with
        {
            BufferSizeBytes = size is { } mib ? mib * 1024L * 1024 : current.BufferSizeBytes,
            BufferInterval = interval is { } seconds ? TimeSpan.FromSeconds(seconds) : current.BufferInterval,
        };
    }

    public static string Required(AwsInput input, string name) => input.String(name) is { Length: > 0 } value
        ? value
        : throw FirehoseErrors.Shape(
            $"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    /// <summary>Applies <paramref name="destination"/> to <paramref name="current"/>: what it names replaces what was. The
    /// columns of a format conversion may come from <paramref name="tables"/> (<c>Spillway:Firehose:Tables</c>).</summary>
    public static DeliveryStreamDefinition Apply(DeliveryStreamDefinition current, AwsInput destination, IReadOnlyDictionary<string, string> tables)
    {
        // An S3 destination given to a stream of another kind makes it write files from now on.
        var next = ApplyHints(ApplyBackup(current with { HttpEndpoint = null, SqlTable = null }, destination), destination.Structure("BufferingHints"));
        if (destination.Structure("DataFormatConversionConfiguration") is { } conversion)
        {
            next = next with { Conversion = ConversionReader.Read(conversion, tables) };
        }

        var partitioning = destination.Structure("DynamicPartitioningConfiguration")?.Bool("Enabled");
        next = ApplyProcessing(next, destination);

        if (partitioning == false)
        {
            next = next with { PartitionQueries = new Dictionary<string, string>(StringComparer.Ordinal) };
        }
        else if (partitioning == true && next.PartitionQueries.Count == 0)
        {
            throw FirehoseErrors.Invalid("Dynamic partitioning needs a MetadataExtraction processor with a MetadataExtractionQuery.");
        }

        return next;
    }

    /// <summary>The bucket of an S3 bucket ARN, <c>arn:aws:s3:::name</c>.</summary>
    public static string Bucket(string arn) =>
        arn.StartsWith("arn:aws:s3:::", StringComparison.Ordinal) && arn.Length > "arn:aws:s3:::".Length && !arn.Contains('/', StringComparison.Ordinal)
            ? arn["arn:aws:s3:::".Length..]
            : throw FirehoseErrors.Invalid($"BucketARN {arn} is not an S3 bucket ARN (arn:aws:s3:::bucket).");

    private static int? BoundedHint(AwsInput hints, string name, int min, int max) => hints.Long(name) switch
    {
        null => null,
        { } v when v >= min && v <= max => (int)v,
        { } v => throw FirehoseErrors.Shape(
            $"1 validation error detected: Value '{v}' at 'bufferingHints.{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: "
            + $"Member must have value between {min} and {max}"),
    };

    /// <summary>The destination's <c>ProcessingConfiguration</c>, when it has one, replacing the processors.</summary>
    public static DeliveryStreamDefinition ApplyProcessing(DeliveryStreamDefinition current, AwsInput destination) =>
        destination.Structure("ProcessingConfiguration") is { } processing ? Processing(current, processing) : current;

    private static DeliveryStreamDefinition Processing(DeliveryStreamDefinition current, AwsInput processing)
    {
        if (processing.Bool("Enabled") == false)
        {
            return current with { AppendNewline = false, Transform = null, PartitionQueries = new Dictionary<string, string>(StringComparer.Ordinal) };
        }

        var next = current with { AppendNewline = false, Transform = null };
        foreach (var processor in processing.Structures("Processors", "Processors") ?? [])
        {
            var parameters = (processor.Structures("Parameters", "Parameters") ?? [])
                .ToDictionary(p => p.String("ParameterName") ?? string.Empty, p => p.String("ParameterValue") ?? string.Empty, StringComparer.Ordinal);
            next = processor.String("Type") switch
            {
                "AppendDelimiterToRecord" => parameters.TryGetValue("Delimiter", out var delimiter) && delimiter is not ("\\n" or "\n")
                    ? throw FirehoseErrors.Invalid($"Delimiter '{delimiter}' is not supported here; records can be followed by a newline (\\n).")
                    : next with { AppendNewline = true },
                "MetadataExtraction" => next with
                {
                    PartitionQueries = Queries(parameters.GetValueOrDefault("MetadataExtractionQuery")
                        ?? throw FirehoseErrors.Invalid("A MetadataExtraction processor needs a MetadataExtractionQuery.")),
                },
                "Lambda" => next.Transform is not null
                    ? throw FirehoseErrors.Invalid("Only one Lambda processor is allowed.")
                    : next with { Transform = Transform(parameters) },
                var type => throw FirehoseErrors.Invalid($"Processor type {type} is not supported yet; Lambda, AppendDelimiterToRecord and MetadataExtraction are."),
            };
        }

        return next;
    }

    /// <summary>A Lambda processor's parameters: <c>LambdaArn</c> (a function's ARN, or an http(s) URL), <c>NumberOfRetries</c>,
    /// <c>BufferSizeInMBs</c>, <c>BufferIntervalInSeconds</c>; <c>RoleArn</c> is accepted and not used.</summary>
    private static RecordTransform Transform(Dictionary<string, string> parameters)
    {
        foreach (var name in parameters.Keys)
        {
            if (name is not ("LambdaArn" or "NumberOfRetries" or "BufferSizeInMBs" or "BufferIntervalInSeconds" or "RoleArn"))
            {
                throw FirehoseErrors.Invalid($"Parameter {name} is not supported for a Lambda processor.");
            }
        }

        var transform = new RecordTransform
        {
            Function = parameters.GetValueOrDefault("LambdaArn") ?? throw FirehoseErrors.Invalid("A Lambda processor needs the LambdaArn parameter."),
            NumberOfRetries = parameters.TryGetValue("NumberOfRetries", out var retries) ? Int(retries, "NumberOfRetries") : RecordTransform.DefaultRetries,
            BufferSizeMiB = parameters.TryGetValue("BufferSizeInMBs", out var size)
                ? double.TryParse(size, NumberStyles.Float, CultureInfo.InvariantCulture, out var mib) ? mib : throw NotANumber("BufferSizeInMBs", size)
                : RecordTransform.DefaultBufferMiB,
            BufferInterval = TimeSpan.FromSeconds(parameters.TryGetValue("BufferIntervalInSeconds", out var interval)
                ? Int(interval, "BufferIntervalInSeconds")
                : RecordTransform.DefaultIntervalSeconds),
        };
        try
        {
            transform.Validate();
        }
        catch (ArgumentException e)
        {
            throw FirehoseErrors.Invalid(e.Message);
        }

        return transform;
    }

    private static int Int(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw NotANumber(name, text);

    private static Exception NotANumber(string name, string text) => FirehoseErrors.Invalid($"The Lambda processor's {name} '{text}' is not a number.");

    /// <summary>The keys of a jq object query, <c>{customer_id: .customer_id, device: .type.device}</c>.</summary>
    private static Dictionary<string, string> Queries(string query)
    {
        var text = query.Trim();
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
        {
            throw FirehoseErrors.Invalid($"MetadataExtractionQuery '{query}' is not supported: write it as a jq object, {{key: .field, other: .a.b}}.");
        }

        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in text[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = member.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw FirehoseErrors.Invalid($"MetadataExtractionQuery '{query}' is not supported: '{member}' is not key: .path.");
            }

            queries[member[..colon].Trim().Trim('"')] = member[(colon + 1)..].Trim();
        }

        return queries;
    }
}
