using System.Globalization;
using System.Text.Json;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

/// <summary>SQS queue attributes: parsing those CreateQueue and SetQueueAttributes take, and formatting those
/// GetQueueAttributes returns.</summary>
internal static class QueueAttributes
{
    // The attributes that only report: refused by CreateQueue and SetQueueAttributes, as SQS does.
    public static readonly string[] ReadOnly =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
    ];

    public static readonly string[] StoredOnly = ["Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"];

    private static readonly string[] Standard =
    [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "DelaySeconds", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod", "QueueArn",
        "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "Policy", "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled",
    ];

    private static readonly string[] Fifo = ["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

    public static bool IsKnown(string name) => Array.IndexOf(Standard, name) >= 0 || Array.IndexOf(Fifo, name) >= 0;

    /// <summary>Every attribute name a queue reports, for "All".</summary>
    public static IEnumerable<string> All(bool fifo) => fifo ? Standard.Concat(Fifo) : Standard;

    /// <summary>
    /// Applies settable attributes to <paramref name="definition"/>. Stored-only ones (policy, encryption) go to
    /// <paramref name="stored"/>. Unknown or read-only names are InvalidAttributeName, bad values InvalidAttributeValue.
    /// </summary>
    public static QueueDefinition Apply(
        QueueDefinition definition, List<KeyValuePair<string, string>> attributes, bool creating, Dictionary<string, string> stored)
    {
        foreach (var (name, value) in attributes)
        {
            definition = name switch
            {
                "DelaySeconds" => definition with { DeliveryDelay = Seconds(name, value, 0, QueueLimits.MaxDelaySeconds) },
                "MaximumMessageSize" => definition with
                {
                    MaximumMessageSize = Int(name, value, QueueLimits.MinMessageSize, QueueLimits.MaxMessageSize),
                },
                "MessageRetentionPeriod" => definition with
                {
                    MessageRetentionPeriod = Seconds(name, value, QueueLimits.MinRetentionSeconds, QueueLimits.MaxRetentionSeconds),
                },
                "ReceiveMessageWaitTimeSeconds" => definition with
                {
                    ReceiveMessageWaitTime = Seconds(name, value, 0, QueueLimits.MaxWaitTimeSeconds),
                },
                "VisibilityTimeout" => definition with { VisibilityTimeout = Seconds(name, value, 0, QueueLimits.MaxVisibilityTimeoutSeconds) },
                "RedrivePolicy" => definition with { RedrivePolicy = ParseRedrivePolicy(value) },
                "RedriveAllowPolicy" => definition with { RedriveAllowPolicy = ParseRedriveAllowPolicy(value) },
                "FifoQueue" when creating || definition.FifoQueue => Bool(name, value) == definition.FifoQueue
                    ? definition
                    : creating ? definition with { FifoQueue = Bool(name, value) } : throw InvalidValue(name),
                "ContentBasedDeduplication" when definition.FifoQueue || creating =>
                    definition with { ContentBasedDeduplication = Bool(name, value) },
                "DeduplicationScope" when definition.FifoQueue || creating => definition with
                {
                    DeduplicationScope = value switch
                    {
                        "messageGroup" => DeduplicationScope.MessageGroup,
                        "queue" => DeduplicationScope.Queue,
                        _ => throw InvalidValue(name),
                    },
                },
                "FifoThroughputLimit" when definition.FifoQueue || creating => definition with
                {
                    FifoThroughputLimit = value switch
                    {
                        "perMessageGroupId" => FifoThroughputLimit.PerMessageGroupId,
                        "perQueue" => FifoThroughputLimit.PerQueue,
                        _ => throw InvalidValue(name),
                    },
                },
                "Policy" => Store(definition, stored, name, ValidatePolicy(value)),
                "KmsMasterKeyId" => Store(definition, stored, name, value),
                "KmsDataKeyReusePeriodSeconds" => Store(
                    definition, stored, name, Int(name, value, 60, 86_400).ToString(CultureInfo.InvariantCulture)),
                "SqsManagedSseEnabled" => Store(definition, stored, name, Bool(name, value) ? "true" : "false"),
                _ => throw new AwsException(SqsError.InvalidAttributeName, $"Unknown Attribute {name}."),
            };
        }

        return definition;
    }

    /// <summary>The value of an attribute the definition holds, as SQS writes it; null for those it does not.</summary>
    public static string? Format(string name, QueueDefinition definition, SqsNames names) => name switch
    {
        "DelaySeconds" => Seconds(definition.DeliveryDelay),
        "MaximumMessageSize" => definition.MaximumMessageSize.ToString(CultureInfo.InvariantCulture),
        "MessageRetentionPeriod" => Seconds(definition.MessageRetentionPeriod),
        "ReceiveMessageWaitTimeSeconds" => Seconds(definition.ReceiveMessageWaitTime),
        "VisibilityTimeout" => Seconds(definition.VisibilityTimeout),
        "QueueArn" => names.Arn(definition.Name),
        "RedrivePolicy" => definition.RedrivePolicy is { } redrive
            ? $"{{\"deadLetterTargetArn\":\"{names.Arn(redrive.DeadLetterQueue)}\",\"maxReceiveCount\":{redrive.MaxReceiveCount}}}"
            : null,
        "RedriveAllowPolicy" => definition.RedriveAllowPolicy is { } allow ? FormatRedriveAllowPolicy(allow, names) : null,
        "FifoQueue" => definition.FifoQueue ? "true" : null,
        "ContentBasedDeduplication" => definition.FifoQueue ? (definition.ContentBasedDeduplication ? "true" : "false") : null,
        "DeduplicationScope" => definition.FifoQueue
            ? (definition.DeduplicationScope == DeduplicationScope.MessageGroup ? "messageGroup" : "queue")
            : null,
        "FifoThroughputLimit" => definition.FifoQueue
            ? (definition.FifoThroughputLimit == FifoThroughputLimit.PerMessageGroupId ? "perMessageGroupId" : "perQueue")
            : null,
        _ => null,
    };

    private static QueueDefinition Store(QueueDefinition definition, Dictionary<string, string> stored, string name, string value)
    {
        stored[name] = value;
        return definition;
    }

    private static RedrivePolicy? ParseRedrivePolicy(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("deadLetterTargetArn", out var arn) || arn.ValueKind != JsonValueKind.String)
            {
                throw InvalidRedrive(value, "Dead letter target does not exist.");
            }

            var queue = SqsNames.QueueNameOfArn(arn.GetString()) ?? throw InvalidRedrive(value, "Invalid value for deadLetterTargetArn.");
            var maxReceiveCount = 10;
            if (root.TryGetProperty("maxReceiveCount", out var count))
            {
                var text = count.ValueKind == JsonValueKind.String ? count.GetString() : count.GetRawText();
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxReceiveCount)
                    || maxReceiveCount is < QueueLimits.MinMaxReceiveCount or > QueueLimits.MaxMaxReceiveCount)
                {
                    throw InvalidRedrive(value, "Invalid value for maxReceiveCount.");
                }
            }

            return new RedrivePolicy(queue, maxReceiveCount);
        }
        catch (JsonException)
        {
            throw InvalidRedrive(value, "Redrive policy is not a valid JSON map.");
        }
    }

    private static RedriveAllowPolicy? ParseRedriveAllowPolicy(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("redrivePermission", out var permission))
            {
                throw InvalidValue("RedriveAllowPolicy");
            }

            var kind = permission.GetString() switch
            {
                "allowAll" => RedrivePermission.AllowAll,
                "denyAll" => RedrivePermission.DenyAll,
                "byQueue" => RedrivePermission.ByQueue,
                _ => throw InvalidValue("RedriveAllowPolicy"),
            };
            List<string>? sources = null;
            if (root.TryGetProperty("sourceQueueArns", out var arns))
            {
                if (arns.ValueKind != JsonValueKind.Array)
                {
                    throw InvalidValue("RedriveAllowPolicy");
                }

                sources = [];
                foreach (var arn in arns.EnumerateArray())
                {
                    sources.Add(SqsNames.QueueNameOfArn(arn.GetString()) ?? throw InvalidValue("RedriveAllowPolicy"));
                }
            }

            return new RedriveAllowPolicy(kind, sources);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw InvalidValue("RedriveAllowPolicy");
        }
    }

    private static string FormatRedriveAllowPolicy(RedriveAllowPolicy allow, SqsNames names)
    {
        var permission = allow.Permission switch
        {
            RedrivePermission.DenyAll => "denyAll",
            RedrivePermission.ByQueue => "byQueue",
            _ => "allowAll",
        };
        if (allow.Permission != RedrivePermission.ByQueue)
        {
            return $"{{\"redrivePermission\":\"{permission}\"}}";
        }

        var arns = string.Join(",", (allow.SourceQueues ?? []).Select(q => "\"" + names.Arn(q) + "\""));
        return $"{{\"redrivePermission\":\"{permission}\",\"sourceQueueArns\":[{arns}]}}";
    }

    private static string ValidatePolicy(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object ? value : throw InvalidValue("Policy");
        }
        catch (JsonException)
        {
            throw InvalidValue("Policy");
        }
    }

    private static TimeSpan Seconds(string name, string value, int min, int max) => TimeSpan.FromSeconds(Int(name, value, min, max));

    private static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw InvalidValue(name);

    private static bool Bool(string name, string value) => value switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => throw InvalidValue(name),
    };

    private static AwsException InvalidValue(string name) =>
        new(SqsError.InvalidAttributeValue, $"Invalid value for the parameter {name}.");

    private static AwsException InvalidRedrive(string value, string reason) =>
        new(SqsError.InvalidParameterValue, $"Value {value} for parameter RedrivePolicy is invalid. Reason: {reason}");
}
