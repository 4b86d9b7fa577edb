using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Gateway.Admin;

internal sealed record QueueList(IReadOnlyList<QueueSummary> Queues);

internal sealed record QueueSummary(
    string Name, long Visible, long InFlight, long Delayed, double? OldestMessageAgeSeconds, string? DeadLetterQueue);

internal sealed record PeekedMessages(IReadOnlyList<PeekedMessageView> Messages);

internal sealed record PeekedMessageView(Guid MessageId, string Body, int ReceiveCount, DateTimeOffset SentTimestamp);

internal sealed record RedriveRequest(string? Destination, int? MaxMessages);

internal sealed record RedriveResult(int Moved);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueueList))]
[JsonSerializable(typeof(PeekedMessages))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(RedriveResult))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
