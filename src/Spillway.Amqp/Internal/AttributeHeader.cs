using System.Text.Json;
using Spillway.Messaging;

namespace Spillway.Amqp.Internal;

/// <summary>
/// A message's attributes in one AMQP header, as a JSON object of <c>{name: {"t": data type, "s": string, "b": base64}}</c>,
/// so a message keeps them through the broker, a dead-letter queue and a redrive as it does in the engine.
/// </summary>
internal static class AttributeHeader
{
    public const string Name = "spillway-attributes";

    public static byte[] Encode(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in attributes)
            {
                json.WriteStartObject(name);
                json.WriteString("t", value.DataType);
                if (value.StringValue is { } text)
                {
                    json.WriteString("s", text);
                }

                if (value.BinaryValue is { } binary)
                {
                    json.WriteBase64String("b", binary.Span);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The attributes a header holds; empty when the message has none or the header is not ours.</summary>
    public static IReadOnlyDictionary<string, MessageAttributeValue>? Decode(IDictionary<string, object?>? headers)
    {
        if (headers is null || !headers.TryGetValue(Name, out var raw) || raw is not byte[] bytes)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value;
                attributes[property.Name] = new MessageAttributeValue(
                    value.GetProperty("t").GetString()!,
                    value.TryGetProperty("s", out var text) ? text.GetString() : null,
                    value.TryGetProperty("b", out var binary) ? binary.GetBytesFromBase64() : null);
            }

            return attributes;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // Written by something else under our header's name: the message goes on without attributes.
            return null;
        }
    }
}
