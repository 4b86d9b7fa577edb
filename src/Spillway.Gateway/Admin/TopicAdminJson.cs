using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Gateway.Admin;

internal sealed record TopicList(IReadOnlyList<TopicView> Topics);

/// <summary>A topic as the admin API describes it, with its subscriptions and their counters since the server started.</summary>
internal sealed record TopicView(
    string Name,
    bool Fifo,
    bool ContentBasedDeduplication,
    IReadOnlyDictionary<string, string> Attributes,
    int UnfinishedDeliveries,
    IReadOnlyList<SubscriptionView> Subscriptions);

internal sealed record SubscriptionView(
    Guid Id,
    string Protocol,
    string Endpoint,
    string? DeliveryQueue,
    bool Confirmed,
    bool RawMessageDelivery,
    string? FilterPolicy,
    string FilterPolicyScope,
    long Delivered,
    long FilteredOut,
    long Failed);

/// <summary>A topic to create: only the name is required; a name ending in <c>.fifo</c> makes a FIFO topic.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record TopicCreateRequest(string? Name, bool? ContentBasedDeduplication);

/// <summary>A queue to subscribe to a topic.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record TopicSubscribeRequest(string? Queue, string? FilterPolicy, string? FilterPolicyScope, bool? RawMessageDelivery);

/// <summary>A message attribute as the admin API takes it: a data type and its value as text.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record AttributeEntry(string? DataType, string? StringValue);

/// <summary>A message to publish.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record TopicPublishRequest(
    string? Message,
    string? Subject,
    IReadOnlyDictionary<string, AttributeEntry?>? Attributes,
    string? MessageGroupId,
    string? MessageDeduplicationId);

/// <summary>A filter policy and a message to check against it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record FilterTestRequest(string? Policy, string? Scope, string? Message, IReadOnlyDictionary<string, AttributeEntry?>? Attributes);

internal sealed record FilterTestResult(bool Matched, string? Explanation);

internal sealed record TopicPublishResult(Guid MessageId, string? SequenceNumber, bool Duplicate);

// Read as strictly as the queue admin's bodies: no number from a string, no member twice, no unknown member.
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(TopicList))]
[JsonSerializable(typeof(TopicView))]
[JsonSerializable(typeof(SubscriptionView))]
[JsonSerializable(typeof(TopicCreateRequest))]
[JsonSerializable(typeof(TopicSubscribeRequest))]
[JsonSerializable(typeof(TopicPublishRequest))]
[JsonSerializable(typeof(TopicPublishResult))]
[JsonSerializable(typeof(FilterTestRequest))]
[JsonSerializable(typeof(FilterTestResult))]
internal sealed partial class TopicAdminJsonContext : JsonSerializerContext;
