using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Messaging.Topics;
using Spillway.Transport;

namespace Spillway.Operations.Alarms;

/// <summary>
/// Publishes each notice to a topic as CloudWatch publishes an alarm to SNS: the subject <c>ALARM: "name" in Region</c>
/// and a JSON message with AlarmName, NewStateValue, NewStateReason, StateChangeTime, Region, AlarmArn, OldStateValue and
/// the Trigger, so that subscribers written for CloudWatch alarms read it unchanged.
/// </summary>
internal sealed class TopicNotifier(ITopicTransport topics, string topicName, Aws.AwsAccount account, TimeSpan period) : IAlarmNotifier
{
    public string Name => "topic";

    public async Task NotifyAsync(AlarmNotification notification, CancellationToken cancellationToken)
    {
        var publisher = topics.FindPublisher(topicName) ?? throw new InvalidOperationException($"topic '{topicName}' does not exist");
        var subject = $"{notification.State}: \"{notification.Alarm}\" in {RegionName(account.Region)}";
        await publisher.PublishAsync(
            new TopicMessage(JsonSerializer.Serialize(Message(notification), CloudWatchJsonContext.Default.CloudWatchAlarmMessage))
            {
                Subject = subject.Length <= TopicLimits.MaxSubjectLength ? subject : subject[..TopicLimits.MaxSubjectLength],
            },
            cancellationToken).ConfigureAwait(false);
    }

    internal CloudWatchAlarmMessage Message(AlarmNotification n)
    {
        var (metric, space, dimension) = n.Kind switch
        {
            nameof(AlarmKind.OldestMessageAge) => ("ApproximateAgeOfOldestMessage", "AWS/SQS", "QueueName"),
            nameof(AlarmKind.QueueNotEmpty) => ("ApproximateNumberOfMessagesVisible", "AWS/SQS", "QueueName"),
            nameof(AlarmKind.IteratorAge) => ("IteratorAge", "AWS/Lambda", "FunctionName"),
            _ => ("SinkFailing", "Spillway", "Sink"),
        };
        return new CloudWatchAlarmMessage(
            n.Alarm,
            $"Spillway rule {n.Alarm}: {n.Kind} on {n.Subject}",
            account.AccountId,
            n.State.ToString(),
            n.Reason,
            n.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture),
            RegionName(account.Region),
            account.Arn("cloudwatch", "alarm:" + n.Alarm).ToString(),
            n.State == AlarmState.ALARM ? "OK" : "ALARM",
            new CloudWatchTrigger(
                metric,
                space,
                "Statistic",
                "MAXIMUM",
                null,
                [new CloudWatchDimension(dimension, n.Subject)],
                (int)period.TotalSeconds,
                1,
                "GreaterThanThreshold",
                n.Threshold,
                "missing",
                ""));
    }

    /// <summary>The region as CloudWatch's notices name it ("US East (N. Virginia)"); a region it does not know by its code.</summary>
    private static string RegionName(string region) => region switch
    {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "eu-west-1" => "EU (Ireland)",
        "eu-west-2" => "EU (London)",
        "eu-west-3" => "EU (Paris)",
        "eu-central-1" => "EU (Frankfurt)",
        "eu-north-1" => "EU (Stockholm)",
        "ap-southeast-1" => "Asia Pacific (Singapore)",
        "ap-southeast-2" => "Asia Pacific (Sydney)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        _ => region,
    };
}

/// <summary>The message CloudWatch publishes to SNS for an alarm's change of state.</summary>
internal sealed record CloudWatchAlarmMessage(
    string AlarmName,
    string AlarmDescription,
    string AWSAccountId,
    string NewStateValue,
    string NewStateReason,
    string StateChangeTime,
    string Region,
    string AlarmArn,
    string OldStateValue,
    CloudWatchTrigger Trigger);

internal sealed record CloudWatchTrigger(
    string MetricName,
    string Namespace,
    string StatisticType,
    string Statistic,
    string? Unit,
    IReadOnlyList<CloudWatchDimension> Dimensions,
    int Period,
    int EvaluationPeriods,
    string ComparisonOperator,
    double Threshold,
    string TreatMissingData,
    string EvaluateLowSampleCountPercentile);

internal sealed record CloudWatchDimension(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string Value);

// CloudWatch writes its alarm message with these exact member names (AWSAccountId, Trigger, lower-case dimension members).
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CloudWatchAlarmMessage))]
internal sealed partial class CloudWatchJsonContext : JsonSerializerContext;
