using System.Text.Json;
using Spillway.Messaging.Topics.Filtering;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>Messages written as SNS shows them, and the one-line checks the filter tests make.</summary>
internal static class FilterCases
{
    /// <summary>A message whose attributes are written as SNS's envelope shows them:
    /// <c>{"store": {"Type": "String", "Value": "example_corp"}}</c>; a Value may be a JSON number.</summary>
    public static FilterMessage Attributes(string json, string? body = null)
    {
        var attributes = new Dictionary<string, MessageAttributeValue>();
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var type = property.Value.GetProperty("Type").GetString()!;
            var value = property.Value.GetProperty("Value");
            var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            attributes[property.Name] = type == "Binary"
                ? new MessageAttributeValue(type, null, Convert.FromBase64String(text))
                : new MessageAttributeValue(type, text);
        }

        return new FilterMessage(attributes, body);
    }

    public static FilterMessage Body(string body) => new(null, body);

    public static FilterMessage Message(FilterPolicyScope scope, string json) =>
        scope == FilterPolicyScope.MessageAttributes ? Attributes(json) : Body(json);

    public static bool Matches(string policy, FilterPolicyScope scope, string message) =>
        FilterPolicy.Parse(policy, scope).Matches(Message(scope, message));

    public static string Refusal(string policy, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes) =>
        Assert.Throws<InvalidFilterPolicyException>(() => FilterPolicy.Parse(policy, scope)).Message;
}
