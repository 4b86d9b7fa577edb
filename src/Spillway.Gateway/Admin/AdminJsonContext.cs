using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Gateway.Admin;

internal sealed record QueueList(IReadOnlyList<QueueSummary> Queues);

internal sealed record QueueSummary(
    string Name, long Visible, long InFlight, long Delayed, double? OldestMessageAgeSeconds, string? DeadLetterQueue);

internal sealed record PeekedMessages(IReadOnlyList<PeekedMessageView> Messages);

internal sealed record PeekedMessageView(Guid MessageId, string Body, int ReceiveCount, DateTimeOffset SentTimestamp);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record RedriveRequest(string? Destination, int? MaxMessages);

internal sealed record RedriveResult(int Moved);

/// <summary>A queue's attributes as the admin API reads and writes them; on a change, null leaves an attribute as it is.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record QueueAttributes(
    string? Name,
    int? VisibilityTimeoutSeconds,
    int? DelaySeconds,
    int? MessageRetentionPeriodSeconds,
    int? MaximumMessageSize,
    int? ReceiveMessageWaitTimeSeconds,
    string? DeadLetterQueue,
    int? MaxReceiveCount,
    bool? FifoQueue,
    bool? ContentBasedDeduplication);

internal sealed record PurgeResult(long Purged);

// Requests are read strictly: a number given as a string, or a member given twice, is refused rather than guessed at.
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(QueueList))]
[JsonSerializable(typeof(PeekedMessages))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(RedriveResult))]
[JsonSerializable(typeof(QueueAttributes))]
[JsonSerializable(typeof(PurgeResult))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
