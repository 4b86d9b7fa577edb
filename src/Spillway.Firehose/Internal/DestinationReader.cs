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
        "SplunkDestinationConfiguration", "HttpEndpointDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
        "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration",
    ];

    /// <summary>The S3 destination of a CreateDeliveryStream request.</summary>
    public static AwsInput ForCreate(AwsInput input)
    {
        foreach (var other in OtherDestinations)
        {
            if (input.Structure(other) is not null)
            {
                throw FirehoseErrors.Invalid($"{other} is not supported here: delivery streams write to the object store (an S3 destination).");
            }
        }

        return input.Structure("ExtendedS3DestinationConfiguration") ?? input.Structure("S3DestinationConfiguration")
            ?? throw FirehoseErrors.Invalid("A delivery stream needs an ExtendedS3DestinationConfiguration (or S3DestinationConfiguration).");
    }

    /// <summary>Applies <paramref name="destination"/> to <paramref name="current"/>: what it names replaces what was. The
    /// columns of a format conversion may come from <paramref name="tables"/> (<c>Spillway:Firehose:Tables</c>).</summary>
    public static DeliveryStreamDefinition Apply(DeliveryStreamDefinition current, AwsInput destination, IReadOnlyDictionary<string, string> tables)
    {
        var next = current;
        if (destination.String("BucketARN") is { } bucketArn)
        {
            next = next with { Bucket = Bucket(bucketArn) };
        }

        if (destination.Structure("BufferingHints") is { } hints)
        {
            var size = BoundedHint(hints, "SizeInMBs", DeliveryLimits.MinBufferMiB, DeliveryLimits.MaxBufferMiB);
            var interval = BoundedHint(hints, "IntervalInSeconds", DeliveryLimits.MinIntervalSeconds, DeliveryLimits.MaxIntervalSeconds);
            next = next with
            {
                BufferSizeBytes = size is { } mib ? mib * 1024L * 1024 : next.BufferSizeBytes,
                BufferInterval = interval is { } seconds ? TimeSpan.FromSeconds(seconds) : next.BufferInterval,
            };
        }

        if (destination.String("Prefix") is { } prefix)
        {
            next = next with { Prefix = prefix.Length == 0 ? null : prefix };
        }

        if (destination.String("ErrorOutputPrefix") is { } errorPrefix)
        {
            next = next with { ErrorOutputPrefix = errorPrefix.Length == 0 ? null : errorPrefix };
        }

        next = destination.String("CompressionFormat") switch
        {
            null => next,
            "UNCOMPRESSED" => next with { Compression = DeliveryCompression.None },
            "GZIP" => next with { Compression = DeliveryCompression.Gzip },
            var other => throw FirehoseErrors.Invalid($"CompressionFormat {other} is not supported here; use UNCOMPRESSED or GZIP."),
        };

        if (destination.Structure("DataFormatConversionConfiguration") is { } conversion)
        {
            next = next with { Conversion = ConversionReader.Read(conversion, tables) };
        }

        var partitioning = destination.Structure("DynamicPartitioningConfiguration")?.Bool("Enabled");
        if (destination.Structure("ProcessingConfiguration") is { } processing)
        {
            next = Processing(next, processing);
        }

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
