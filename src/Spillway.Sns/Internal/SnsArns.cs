using Spillway.Aws;

namespace Spillway.Sns.Internal;

/// <summary>SNS's ARNs: <c>arn:aws:sns:region:account:topic</c> and, for a subscription, the topic's ARN and its id.</summary>
internal static class SnsArns
{
    public static string Topic(AwsAccount account, string topic) => account.Arn("sns", topic).ToString();

    public static string Subscription(string topicArn, Guid id) => topicArn + ":" + id.ToString("D");

    /// <summary>The topic name of a topic ARN of <paramref name="account"/>; null when it is not one (another service,
    /// another account or region, a subscription ARN).</summary>
    public static string? TopicName(AwsAccount account, string? text) =>
        Arn.TryParse(text, out var arn) && arn.Service == "sns" && arn.AccountId == account.AccountId && arn.Region == account.Region
            && !arn.Resource.Contains(':', StringComparison.Ordinal)
            ? arn.Resource
            : null;

    /// <summary>The topic name and id of a subscription ARN of <paramref name="account"/>; null when it is not one.</summary>
    public static (string Topic, Guid Id)? SubscriptionParts(AwsAccount account, string? text)
    {
        if (!Arn.TryParse(text, out var arn) || arn.Service != "sns" || arn.AccountId != account.AccountId || arn.Region != account.Region)
        {
            return null;
        }

        var colon = arn.Resource.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Guid.TryParseExact(arn.Resource[(colon + 1)..], "D", out var id) ? (arn.Resource[..colon], id) : null;
    }
}
