using System.Text.Json;
using Spillway.Aggregations.Internal;

namespace Spillway.Aggregations;

/// <summary>
/// The JSON form of an <see cref="AggregationDefinition"/> (also what System.Text.Json reads and writes for the type):
/// <code>
/// { "name": "per_minute", "source": "readings", "eventTimeField": "ts",
///   "keys": ["device", { "field": "site.id", "as": "site" }],
///   "window": { "type": "tumbling", "size": "1m" },          // or hopping: size + slide; session: gap
///   "aggregates": [ { "name": "n", "function": "count" },
///                   { "name": "p99", "function": "percentile", "field": "temp", "percentile": 0.99 } ],
///   "filter": [ { "field": "temp", "op": "&gt;", "value": 0 } ],
///   "maxOutOfOrderness": "5s", "idleTimeout": "30s", "allowedLateness": "0s", "earlyFireInterval": null }
/// </code>
/// Functions: count, sum, min, max, avg, count_distinct, percentile. Operators: =, !=, &lt;, &lt;=, &gt;, &gt;=.
/// Durations: "500ms", "30s", "1m", "2h", "1d" (or "hh:mm:ss"). Instead of keys, window, aggregates and filter a body may
/// carry <c>"sql"</c> (<see cref="AggregationSql"/>); the name and the event-time settings still come from the JSON.
/// </summary>
public static class AggregationJson
{
    /// <summary>Reads and validates a declaration.</summary>
    /// <exception cref="ArgumentException">The JSON is malformed or the declaration is unusable; the message names the field.</exception>
    public static AggregationDefinition Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return DefinitionJsonReader.Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The aggregation is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The declaration as indented JSON.</summary>
    public static string Serialize(AggregationDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            DefinitionJsonWriter.Write(writer, definition);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
