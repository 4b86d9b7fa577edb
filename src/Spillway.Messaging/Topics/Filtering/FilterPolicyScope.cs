namespace Spillway.Messaging.Topics.Filtering;

/// <summary>What a subscription's filter policy is matched against (SNS's <c>FilterPolicyScope</c>).</summary>
public enum FilterPolicyScope
{
    /// <summary>The message attributes (SNS's default). The policy is flat: every key names an attribute.</summary>
    MessageAttributes,

    /// <summary>The message body, read as a JSON object. The policy may nest keys as the body nests objects.</summary>
    MessageBody,
}
