using System.Text.Json.Serialization;

namespace Spillway.Gateway.Internal;

/// <summary>Answer to a single record: the id of the stored message.</summary>
internal sealed record AcceptedRecord(Guid MessageId);

/// <summary>Answer to a batch: the ids of the stored messages, in request order.</summary>
internal sealed record AcceptedBatch(Guid[] MessageIds);

/// <summary>Where a record put into a stream went, as Kinesis answers a put. No sequence number on RabbitMQ, whose
/// confirms carry no offset.</summary>
internal sealed record AcceptedStreamRecord(string ShardId, string? SequenceNumber);

/// <summary>Answer to a batch put into a stream, in request order.</summary>
internal sealed record AcceptedStreamBatch(AcceptedStreamRecord[] Records);

/// <summary>Answer of the liveness endpoint.</summary>
internal sealed record HealthReport(string Status);

/// <summary>Source-generated serializers for every answer, so the request path uses no reflection.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Serialization,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AcceptedRecord))]
[JsonSerializable(typeof(AcceptedBatch))]
[JsonSerializable(typeof(AcceptedStreamRecord))]
[JsonSerializable(typeof(AcceptedStreamBatch))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(IngestProblem))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
