namespace Spillway.Sns.Internal;

/// <summary>The topic and subscription attributes SNS lets clients set, and their defaults.</summary>
internal static class TopicAttributes
{
    public const string SignatureVersion = "SignatureVersion";
    public const string FifoTopic = "FifoTopic";
    public const string ContentBasedDeduplication = "ContentBasedDeduplication";
    public const string DisplayName = "DisplayName";
    public const string Policy = "Policy";
    public const string DeliveryPolicy = "DeliveryPolicy";

    /// <summary>Attributes a topic keeps as given (besides FifoTopic and ContentBasedDeduplication, which the engine holds).</summary>
    public static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        DisplayName, Policy, DeliveryPolicy, SignatureVersion, "TracingConfig", "KmsMasterKeyId", "ArchivePolicy",
        "DataProtectionPolicy", "FifoThroughputScope",
        "ApplicationSuccessFeedbackRoleArn", "ApplicationSuccessFeedbackSampleRate", "ApplicationFailureFeedbackRoleArn",
        "HTTPSuccessFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate", "HTTPFailureFeedbackRoleArn",
        "LambdaSuccessFeedbackRoleArn", "LambdaSuccessFeedbackSampleRate", "LambdaFailureFeedbackRoleArn",
        "SQSSuccessFeedbackRoleArn", "SQSSuccessFeedbackSampleRate", "SQSFailureFeedbackRoleArn",
        "FirehoseSuccessFeedbackRoleArn", "FirehoseSuccessFeedbackSampleRate", "FirehoseFailureFeedbackRoleArn",
    };

    /// <summary>Attributes a subscription keeps; RawMessageDelivery, FilterPolicy and FilterPolicyScope are the engine's.</summary>
    public static readonly HashSet<string> SubscriptionSettable = new(StringComparer.Ordinal)
    {
        "RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", DeliveryPolicy, "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy",
    };

    /// <summary>SNS's effective delivery policy when none is set: the HTTP/S retry policy of three retries 20 s apart.</summary>
    public const string DefaultDeliveryPolicy =
        "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20,\"numRetries\":3,\"numMaxDelayRetries\":0,"
        + "\"numNoDelayRetries\":0,\"numMinDelayRetries\":0,\"backoffFunction\":\"linear\"},\"disableSubscriptionOverrides\":false,"
        + "\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; charset=UTF-8\"}}}";

    /// <summary>SNS's default access policy of a topic: the owner account may do everything.</summary>
    public static string DefaultPolicy(string topicArn, string account) =>
        "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":\"__default_statement_ID\","
        + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\","
        + "\"SNS:AddPermission\",\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\","
        + "\"SNS:Publish\"],\"Resource\":\"" + topicArn + "\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"" + account + "\"}}}]}";
}
