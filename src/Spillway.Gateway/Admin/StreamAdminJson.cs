using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Gateway.Admin;

internal sealed record StreamList(IReadOnlyList<StreamView> Streams);

/// <summary>A stream as the admin API describes it; <see cref="Shards"/> only in the description of one stream.</summary>
/// <param name="IncomingRecords">Records put since the server started.</param>
/// <param name="IncomingBytes">Data bytes put since the server started.</param>
internal sealed record StreamView(
    string Name,
    string Status,
    string Mode,
    int RetentionHours,
    bool EnforceShardQuotas,
    DateTimeOffset CreatedAt,
    int OpenShards,
    long RecordsKept,
    DateTimeOffset? OldestRecordTimestamp,
    long IncomingRecords,
    long IncomingBytes,
    IReadOnlyList<ShardView>? Shards = null);

/// <summary>A shard with its hash-key range in decimal, as Kinesis writes it, and its counters.</summary>
internal sealed record ShardView(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    string StartingHashKey,
    string EndingHashKey,
    string StartingSequenceNumber,
    string? EndingSequenceNumber,
    bool Open,
    long RecordsKept,
    long IncomingRecords,
    long IncomingBytes,
    long ReadCalls);

/// <summary>A stream to create: only the name is required.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record StreamCreateRequest(string? Name, int? ShardCount, string? Mode, int? RetentionHours, bool? EnforceShardQuotas);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record StreamPutRequest(IReadOnlyList<StreamPutEntry?>? Records);

/// <summary>One record to put: its data as base64 (<c>data</c>) or as UTF-8 text (<c>text</c>), one of them.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record StreamPutEntry(string? PartitionKey, string? Data, string? Text, string? ExplicitHashKey);

internal sealed record StreamPutResult(int FailedRecordCount, IReadOnlyList<StreamPutOutcome> Records);

/// <summary>Where a record went, or (only with shard quotas enforced) why it was not taken.</summary>
internal sealed record StreamPutOutcome(string? ShardId, string? SequenceNumber, string? ErrorCode = null, string? ErrorMessage = null);

// Read as strictly as the queue admin's bodies: no number from a string, no member twice, no unknown member.
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(StreamList))]
[JsonSerializable(typeof(StreamView))]
[JsonSerializable(typeof(StreamCreateRequest))]
[JsonSerializable(typeof(StreamPutRequest))]
[JsonSerializable(typeof(StreamPutResult))]
internal sealed partial class StreamAdminJsonContext : JsonSerializerContext;
