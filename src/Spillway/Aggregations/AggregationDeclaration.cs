using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spillway.Aggregations;

namespace Spillway.Hosting.Aggregations;

/// <summary>Where an aggregation's results go besides its table, and where its late records go.</summary>
/// <param name="Database">The sink (<c>Spillway:Sinks:&lt;name&gt;</c>) whose database holds the results table; null for
/// the default database.</param>
/// <param name="Table">The results table; null for the aggregation's name.</param>
/// <param name="LateRecords">The queue late and invalid records go to; null for <c>&lt;name&gt;-late</c>, made when
/// missing on the embedded engine.</param>
/// <param name="DeliveryStream">A delivery stream each row is also put into, as one JSON record; null for none.</param>
/// <param name="Topic">A topic each row is also published to, as JSON; null for none.</param>
internal sealed record AggregationOutputSettings(string? Database, string? Table, string? LateRecords, string? DeliveryStream, string? Topic)
{
    public static AggregationOutputSettings Default { get; } = new(null, null, null, null, null);
}

/// <summary>
/// One aggregation as declared: its definition, where its results go, and the JSON it was declared in (kept, for a
/// declaration made at run time, in the catalog). The JSON is the library's form (<see cref="AggregationJson"/>) with
/// an <c>"output"</c> object: <c>{"database", "table", "lateRecords", "deliveryStream", "topic"}</c>.
/// </summary>
internal sealed record AggregationDeclaration(AggregationDefinition Definition, AggregationOutputSettings Output, string Json, bool FromConfiguration)
{
    /// <summary>Reads a declaration; <see cref="ArgumentException"/> names what is wrong.</summary>
    public static AggregationDeclaration Parse(string json, bool fromConfiguration = false)
    {
        var definition = AggregationJson.Parse(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("The aggregation is not valid JSON: " + e.Message, e);
        }

        var output = AggregationOutputSettings.Default;
        if (root?["output"] is { } node)
        {
            if (node is not JsonObject settings)
            {
                throw new ArgumentException("\"output\" must be an object.");
            }

            output = new AggregationOutputSettings(
                Text(settings, "database"), Text(settings, "table"), Text(settings, "lateRecords"), Text(settings, "deliveryStream"), Text(settings, "topic"));
        }

        return new AggregationDeclaration(definition, output, json, fromConfiguration);
    }

    /// <summary>
    /// The JSON of a configuration section (<c>Spillway:Aggregations:&lt;name&gt;</c>): values that read as numbers or
    /// booleans become them, sections numbered 0, 1, … become arrays, and the section's key is the name.
    /// </summary>
    public static string JsonOf(IConfigurationSection section)
    {
        var node = NodeOf(section) as JsonObject ?? [];
        node["name"] ??= section.Key;
        return node.ToJsonString();
    }

    private static JsonNode? NodeOf(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return section.Value switch
            {
                null => null,
                "true" or "True" => JsonValue.Create(true),
                "false" or "False" => JsonValue.Create(false),
                var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    && !text.Contains(':', StringComparison.Ordinal) => JsonValue.Create(number),
                var text => JsonValue.Create(text),
            };
        }

        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return new JsonArray([.. children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(NodeOf)]);
        }

        var result = new JsonObject();
        foreach (var child in children)
        {
            result[char.ToLowerInvariant(child.Key[0]) + child.Key[1..]] = NodeOf(child);
        }

        return result;
    }

    private static string? Text(JsonObject settings, string name) =>
        settings[name] switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text.Length > 0 ? text : null,
            _ => throw new ArgumentException($"\"output.{name}\" must be a string."),
        };
}
