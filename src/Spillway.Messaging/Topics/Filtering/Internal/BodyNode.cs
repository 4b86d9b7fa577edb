using System.Text.Json;

namespace Spillway.Messaging.Topics.Filtering.Internal;

/// <summary>
/// A message body as a tree of objects, arrays and leaf values, built once per message so that every policy evaluated
/// against it looks properties up in a dictionary and compares ready values, without parsing or allocating.
/// </summary>
internal sealed class BodyNode
{
    private static readonly Dictionary<string, BodyNode> NoProperties = [];

    private BodyNode(Dictionary<string, BodyNode>? properties, BodyNode[]? items, FilterValue value)
    {
        Properties = properties;
        Items = items;
        Value = value;
    }

    /// <summary>The properties of an object; null for an array or a leaf.</summary>
    public Dictionary<string, BodyNode>? Properties { get; }

    /// <summary>The elements of an array; null for an object or a leaf.</summary>
    public BodyNode[]? Items { get; }

    /// <summary>The value of a leaf (meaningless for an object or an array).</summary>
    public FilterValue Value { get; }

    public bool IsLeaf => Properties is null && Items is null;

    /// <summary>The body as a tree when it is a JSON object; null otherwise (a body policy never matches then).</summary>
    public static BodyNode? ParseObject(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? From(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static BodyNode From(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = NoProperties;
                foreach (var property in element.EnumerateObject())
                {
                    if (ReferenceEquals(properties, NoProperties))
                    {
                        properties = new Dictionary<string, BodyNode>(StringComparer.Ordinal);
                    }

                    // A repeated name keeps its last value, as JSON parsers commonly do.
                    properties[property.Name] = From(property.Value);
                }

                return new BodyNode(properties, null, default);
            case JsonValueKind.Array:
                var items = new BodyNode[element.GetArrayLength()];
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items[index++] = From(item);
                }

                return new BodyNode(null, items, default);
            default:
                return new BodyNode(null, null, FilterValue.FromJson(element)!.Value);
        }
    }
}
