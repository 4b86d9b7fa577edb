using System.Text.Json;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// The part of jq that Firehose's partitioning queries use to read a key: a path of object fields,
/// <c>.customer_id</c>, <c>.type.device</c> or <c>.["odd name"]</c>. A key is a string, a number or a boolean, as written;
/// anything else (a missing field, an object, an array, a record that is not JSON) fails the record.
/// </summary>
internal sealed class JsonPath
{
    private readonly string[] fields;

    private JsonPath(string[] fields) => this.fields = fields;

    /// <summary>Parses the query of partition key <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The query is outside the supported subset; the message names it.</exception>
    public static JsonPath Parse(string query, string key)
    {
        var fields = new List<string>();
        var text = query.Trim();
        var at = 0;
        while (at < text.Length)
        {
            if (text[at] != '.')
            {
                throw Unsupported(query, key);
            }

            at++;
            if (at < text.Length && text[at] == '[')
            {
                var close = text.IndexOf("\"]", at, StringComparison.Ordinal);
                if (close < 0 || at + 1 >= text.Length || text[at + 1] != '"')
                {
                    throw Unsupported(query, key);
                }

                fields.Add(text[(at + 2)..close]);
                at = close + 2;
                continue;
            }

            var end = at;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
            {
                end++;
            }

            if (end == at)
            {
                throw Unsupported(query, key);
            }

            fields.Add(text[at..end]);
            at = end;
        }

        return fields.Count > 0 ? new JsonPath([.. fields]) : throw Unsupported(query, key);
    }

    /// <summary>The key's value in <paramref name="record"/>; null when the record does not have one.</summary>
    public string? Read(ReadOnlySpan<byte> record)
    {
        try
        {
            var reader = new Utf8JsonReader(record);
            if (!reader.Read())
            {
                return null;
            }

            foreach (var field in fields)
            {
                if (reader.TokenType != JsonTokenType.StartObject || !Enter(ref reader, field))
                {
                    return null;
                }
            }

            return reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Moves the reader from an object's start onto the value of its field; false when it has no such field.
    private static bool Enter(ref Utf8JsonReader reader, string field)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(field);
            reader.Read();
            if (match)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    private static ArgumentException Unsupported(string query, string key) => new(
        $"The partitioning query of key '{key}', '{query}', is not supported: use a path of fields such as .customer_id, "
        + ".type.device or .[\"field name\"].");
}
