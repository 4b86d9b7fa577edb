using Spillway.DeliveryStreams.Conversion;
using Spillway.DeliveryStreams.Destinations;
using Spillway.DeliveryStreams.Keys;
using Spillway.DeliveryStreams.Transform;

namespace Spillway.DeliveryStreams;

/// <summary>How a delivery stream's files are compressed.</summary>
public enum DeliveryCompression
{
    /// <summary>Records as they are (Firehose's UNCOMPRESSED, the default).</summary>
    None,

    /// <summary>One gzip member per file, the key ending in <c>.gz</c>.</summary>
    Gzip,
}

/// <summary>
/// A delivery stream: where its files go and when. Records are buffered per partition until the buffer holds
/// <see cref="BufferSizeBytes"/> or its oldest record is <see cref="BufferInterval"/> old, whichever comes first, then
/// written as one object under <see cref="Prefix"/> in <see cref="Bucket"/>.
/// </summary>
public sealed record DeliveryStreamDefinition
{
    /// <summary>The stream's name (<see cref="DeliveryLimits.NameRule"/>). Required.</summary>
    public required string Name { get; init; }

    /// <summary>The bucket files are written to; created when missing. Required.</summary>
    public required string Bucket { get; init; }

    /// <summary>The size hint: 1–128 MiB, default 5 MiB (Firehose's).</summary>
    public long BufferSizeBytes { get; init; } = DeliveryLimits.DefaultBufferMiB * 1024L * 1024;

    /// <summary>The time hint: 0–900 s, default 300 s (Firehose's). Zero delivers as soon as records arrive.</summary>
    public TimeSpan BufferInterval { get; init; } = TimeSpan.FromSeconds(DeliveryLimits.DefaultIntervalSeconds);

    /// <summary>The key prefix with Firehose's expressions; null is <c>yyyy/MM/dd/HH/</c> of the oldest record.</summary>
    public string? Prefix { get; init; }

    /// <summary>Where records that cannot be delivered go; required when <see cref="Prefix"/> has expressions.</summary>
    public string? ErrorOutputPrefix { get; init; }

    /// <summary>Compression of each file; default none.</summary>
    public DeliveryCompression Compression { get; init; }

    /// <summary>Appends a newline to every record (Firehose's AppendDelimiterToRecord); default false, as Firehose.</summary>
    public bool AppendNewline { get; init; }

    /// <summary>Dynamic partitioning: each key the prefix's <c>partitionKeyFromQuery</c> names, with the jq path
    /// (<c>.customer_id</c>, <c>.type.device</c>) that reads it from a JSON record. Empty: no partitioning.</summary>
    public IReadOnlyDictionary<string, string> PartitionQueries { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The destination's version, in every object name; each change of the destination raises it. Starts at 1.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The stream records are read from; null (the default) for a stream that takes puts.</summary>
    public DeliveryStreamSource? Source { get; init; }

    /// <summary>Tags, kept and listed.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A transform of the records through a function before their file is written; null (the default): none.</summary>
    public RecordTransform? Transform { get; init; }

    /// <summary>Conversion of JSON records to Parquet; null (the default): records are written as they are.</summary>
    public ParquetConversion? Conversion { get; init; }

    /// <summary>Delivery to an HTTP endpoint instead of files; <see cref="Bucket"/> then holds what could not be delivered
    /// (and every buffer with <see cref="HttpEndpointDestination.BackupAllData"/>). Null (the default): files.</summary>
    public HttpEndpointDestination? HttpEndpoint { get; init; }

    /// <summary>Delivery into a SQL table instead of files; <see cref="Bucket"/> then holds the records the table could not
    /// take. Null (the default): files.</summary>
    public SqlTableDestination? SqlTable { get; init; }

    /// <summary>The file extension: <c>.parquet</c> with conversion, <c>.gz</c> with gzip, none otherwise.</summary>
    public string Extension => Conversion is not null ? ".parquet" : ErrorExtension;

    /// <summary>The extension of error files, which hold JSON lines: <c>.gz</c> with gzip, none without.</summary>
    public string ErrorExtension => Compression == DeliveryCompression.Gzip ? ".gz" : string.Empty;

    /// <summary>Checks every rule; the message of the <see cref="ArgumentException"/> says which one failed.</summary>
    public void Validate()
    {
        if (!DeliveryLimits.IsValidName(Name))
        {
            throw new ArgumentException($"Value '{Name}' at 'deliveryStreamName' failed to satisfy constraint: {DeliveryLimits.NameRule}");
        }

        if (Source is { } source && string.IsNullOrEmpty(source.Stream))
        {
            throw new ArgumentException("A delivery stream's source needs a stream name.");
        }

        if (string.IsNullOrEmpty(Bucket))
        {
            throw new ArgumentException("A delivery stream needs a bucket.");
        }

        if (BufferSizeBytes is < DeliveryLimits.MinBufferMiB * 1024L * 1024 or > DeliveryLimits.MaxBufferMiB * 1024L * 1024)
        {
            throw new ArgumentException($"BufferingHints.SizeInMBs must be between {DeliveryLimits.MinBufferMiB} and {DeliveryLimits.MaxBufferMiB}.");
        }

        if (BufferInterval < TimeSpan.FromSeconds(DeliveryLimits.MinIntervalSeconds) || BufferInterval > TimeSpan.FromSeconds(DeliveryLimits.MaxIntervalSeconds))
        {
            throw new ArgumentException(
                $"BufferingHints.IntervalInSeconds must be between {DeliveryLimits.MinIntervalSeconds} and {DeliveryLimits.MaxIntervalSeconds}.");
        }

        var prefix = KeyTemplate.ForPrefix(Prefix);
        _ = KeyTemplate.ForErrorPrefix(ErrorOutputPrefix, Prefix);
        if (prefix.PartitionKeysFromLambda.Count > 0)
        {
            throw new ArgumentException("partitionKeyFromLambda needs a transform that returns partition keys, which this delivery stream has not.");
        }

        foreach (var key in prefix.PartitionKeysFromQuery)
        {
            if (!PartitionQueries.ContainsKey(key))
            {
                throw new ArgumentException($"Prefix uses !{{partitionKeyFromQuery:{key}}} but the partitioning query has no key '{key}'.");
            }
        }

        if (prefix.IsPartitioned && string.IsNullOrEmpty(ErrorOutputPrefix))
        {
            throw new ArgumentException("ErrorOutputPrefix is required when dynamic partitioning is enabled.");
        }

        foreach (var (key, path) in PartitionQueries)
        {
            _ = Internal.JsonPath.Parse(path, key);
        }

        Transform?.Validate();
        HttpEndpoint?.Validate();
        SqlTable?.Validate();
        if (HttpEndpoint is not null || SqlTable is not null)
        {
            var destination = HttpEndpoint is not null ? "HttpEndpointDestinationConfiguration" : "SqlTableDestinationConfiguration";
            if (HttpEndpoint is not null && SqlTable is not null)
            {
                throw new ArgumentException("A delivery stream has one destination: an HTTP endpoint or a SQL table, not both.");
            }

            if (Conversion is not null)
            {
                throw new ArgumentException($"DataFormatConversionConfiguration is for files; {destination} does not take it.");
            }

            if (prefix.IsPartitioned || PartitionQueries.Count > 0)
            {
                throw new ArgumentException($"Dynamic partitioning is for files; {destination} does not take it.");
            }
        }

        if (Conversion is not null)
        {
            Conversion.Validate();
            if (Compression != DeliveryCompression.None)
            {
                throw new ArgumentException(
                    "CompressionFormat must be UNCOMPRESSED when DataFormatConversionConfiguration is enabled: the Parquet serializer "
                    + "compresses inside the file.");
            }
        }
    }
}
