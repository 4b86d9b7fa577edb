using System.Text.Json;
using Spillway.Messaging.Topics.Filtering.Internal;

namespace Spillway.Messaging.Topics.Filtering;

/// <summary>
/// A published message as filter policies see it: its attributes and its body. Build one per message and evaluate
/// every subscription's policy against it: the body is parsed as JSON at most once, on the first body-scoped policy,
/// and attribute values once, on the first attribute-scoped one. Safe to evaluate from several threads at once.
/// </summary>
public sealed class FilterMessage
{
    // Marks a body read and found not to be a JSON object, so that it is not read again.
    private static readonly BodyNode NotAnObject = BodyNode.ParseObject("{}")!;
    private static readonly IReadOnlyDictionary<string, MessageAttributeValue> NoAttributes =
        new Dictionary<string, MessageAttributeValue>();

    private BodyNode? parsedBody;
    private Dictionary<string, FilterValue[]>? attributeValues;

    /// <param name="attributes">The message attributes by name. Data types are SNS's: <c>String</c>, <c>String.Array</c>
    /// (a JSON array whose elements are matched one by one), <c>Number</c> and <c>Binary</c> (never matched); a custom
    /// suffix (<c>Number.float</c>) is read by its base type. Null for none.</param>
    /// <param name="body">The message body; read as JSON only by <see cref="FilterPolicyScope.MessageBody"/> policies.</param>
    public FilterMessage(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, string? body)
    {
        Attributes = attributes ?? NoAttributes;
        Body = body;
    }

    /// <summary>The message attributes by name.</summary>
    public IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; }

    /// <summary>The message body.</summary>
    public string? Body { get; }

    /// <summary>The body as a tree; null when it is not a JSON object.</summary>
    internal BodyNode? BodyRoot
    {
        get
        {
            // Two threads racing here each build an equal tree and one wins; cheaper than a lock on every read.
            var body = Volatile.Read(ref parsedBody) ?? Publish(ref parsedBody, BodyNode.ParseObject(Body) ?? NotAnObject);
            return ReferenceEquals(body, NotAnObject) ? null : body;
        }
    }

    /// <summary>Each attribute's leaf values; Binary attributes are left out, as SNS ignores them.</summary>
    internal Dictionary<string, FilterValue[]> AttributeValues =>
        Volatile.Read(ref attributeValues) ?? Publish(ref attributeValues, ReadAttributes(Attributes));

    private static T Publish<T>(ref T? field, T value)
        where T : class => Interlocked.CompareExchange(ref field, value, null) ?? value;

    private static Dictionary<string, FilterValue[]> ReadAttributes(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        var values = new Dictionary<string, FilterValue[]>(attributes.Count, StringComparer.Ordinal);
        foreach (var (name, attribute) in attributes)
        {
            var type = attribute.DataType;
            var text = attribute.StringValue;
            if (text is null || type.StartsWith("Binary", StringComparison.Ordinal))
            {
                continue;
            }

            values[name] = IsArray(type) ? ReadArray(text)
                : type.StartsWith("Number", StringComparison.Ordinal) ? [FilterValue.ParseNumber(text)]
                : [FilterValue.OfString(text)];
        }

        return values;
    }

    private static bool IsArray(string type) =>
        type.StartsWith("String.Array", StringComparison.Ordinal) || type.StartsWith("Number.Array", StringComparison.Ordinal);

    /// <summary>The scalar elements of an array attribute. A lone JSON scalar (<c>100</c>) is one value, as in SNS;
    /// anything else that is not a JSON array gives none.</summary>
    private static FilterValue[] ReadArray(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return FilterValue.FromJson(document.RootElement) is { } scalar ? [scalar] : [];
            }

            var values = new List<FilterValue>(document.RootElement.GetArrayLength());
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (FilterValue.FromJson(element) is { } value)
                {
                    values.Add(value);
                }
            }

            return [.. values];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
