namespace Spillway.Messaging.Topics.Filtering;

/// <summary>
/// A filter policy SNS would refuse. The message is SNS's validation text for the case (it starts with
/// <c>Invalid parameter: </c>), so the SNS API can answer <c>InvalidParameter</c> with it unchanged.
/// </summary>
public sealed class InvalidFilterPolicyException(string message) : Exception(message);
