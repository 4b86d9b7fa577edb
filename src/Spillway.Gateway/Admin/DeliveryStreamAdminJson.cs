using System.Text.Json.Serialization;

namespace Spillway.Gateway.Admin;

internal sealed record DeliveryStreamList(IReadOnlyList<DeliveryStreamView> DeliveryStreams);

/// <summary>A delivery stream as the admin API describes it: its settings (never an HTTP endpoint's access key), and its
/// counters since the server started.</summary>
internal sealed record DeliveryStreamView(
    string Name,
    string Bucket,
    string? Prefix,
    string? ErrorOutputPrefix,
    long BufferSizeBytes,
    long BufferIntervalSeconds,
    string Compression,
    bool AppendNewline,
    IReadOnlyDictionary<string, string> PartitionQueries,
    int Version,
    string? TransformFunction,
    string? ParquetColumns,
    string? HttpEndpointUrl,
    string? SqlTable,
    long IncomingRecords,
    long IncomingBytes,
    long BufferedRecords,
    long BufferedBytes,
    int ActivePartitions,
    long FilesWritten,
    long BytesWritten,
    long RecordsDelivered,
    long RecordsFailed,
    long DeliveryFailures,
    double? LastDeliveryLatencySeconds);

/// <summary>What a flush delivered: the keys of the files written, in the order they were stored.</summary>
internal sealed record FlushResult(string Name, string Bucket, IReadOnlyList<string> Files);

[JsonSerializable(typeof(DeliveryStreamList))]
[JsonSerializable(typeof(DeliveryStreamView))]
[JsonSerializable(typeof(FlushResult))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class DeliveryStreamAdminJsonContext : JsonSerializerContext;
