using System.Buffers.Text;
using System.Text.Json;

namespace Spillway.Sinks.Aggregates;

/// <summary>
/// The opaque continuation token of results pages: base64url of a small JSON document holding a version, the table's
/// name and the last row's position (window_start and window_end in epoch milliseconds, the keys as they are). Decoding
/// checks each part against the shape, so a token cut, edited or carried over to another table is refused instead of
/// paging something else.
/// </summary>
internal static class AggregateCursor
{
    private const int Version = 1;

    /// <summary>The token after a row: its window_start, keys and window_end in reading order.</summary>
    public static string Encode(AggregateShape shape, DateTime windowStart, IReadOnlyList<object> keys, DateTime windowEnd)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("t", shape.Table);
            json.WriteStartArray("k");
            json.WriteNumberValue(Millis(windowStart));
            foreach (var key in keys)
            {
                switch (key)
                {
                    case string text:
                        json.WriteStringValue(text);
                        break;
                    case long integer:
                        json.WriteNumberValue(integer);
                        break;
                    default:
                        json.WriteNumberValue((double)key);
                        break;
                }
            }

            json.WriteNumberValue(Millis(windowEnd));
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>The position a token holds; <see cref="ArgumentException"/> when it is not one this table returned.</summary>
    public static (DateTime WindowStart, object[] Keys, DateTime WindowEnd) Decode(AggregateShape shape, string token)
    {
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(token));
            var root = document.RootElement;
            if (root.GetProperty("v").GetInt32() == Version && root.GetProperty("t").GetString() == shape.Table
                && root.GetProperty("k") is { ValueKind: JsonValueKind.Array } position
                && position.GetArrayLength() == shape.Keys.Count + 2)
            {
                var keys = new object[shape.Keys.Count];
                for (var i = 0; i < keys.Length; i++)
                {
                    var element = position[i + 1];
                    keys[i] = shape.Keys[i].Type switch
                    {
                        ColumnType.Text => element.GetString()!,
                        ColumnType.Integer => element.GetInt64(),
                        _ => element.GetDouble(),
                    };
                }

                return (Time(position[0].GetInt64()), keys, Time(position[keys.Length + 1].GetInt64()));
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or KeyNotFoundException
                                      or ArgumentException)
        {
            // Falls through to the one answer every malformed token gets.
        }

        throw new ArgumentException(
            $"The continuation token is not one that table '{shape.Table}' returned; start again without one.", nameof(token));
    }

    private static long Millis(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static DateTime Time(long millis) => DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime;
}
