using System.Text.Json;

namespace Spillway.Cli;

/// <summary>
/// Splits the input of <c>spillway send</c> into records, each as compact JSON on one line: a JSON array gives its
/// elements, anything else is a sequence of JSON values (one object, NDJSON, or pretty-printed objects one after another).
/// </summary>
internal static class RecordReader
{
    public static List<byte[]> Read(ReadOnlySpan<byte> input)
    {
        if (input.StartsWith("\uFEFF"u8))
        {
            input = input[3..];
        }

        var records = new List<byte[]>();
        var reader = new Utf8JsonReader(
            input, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            var values = 0;
            while (reader.Read())
            {
                using var value = JsonDocument.ParseValue(ref reader);
                values++;
                if (value.RootElement.ValueKind == JsonValueKind.Array && values == 1 && IsOnlyValue(reader))
                {
                    records.AddRange(value.RootElement.EnumerateArray().Select(Compact));
                }
                else
                {
                    records.Add(Compact(value.RootElement));
                }
            }
        }
        catch (JsonException e)
        {
            throw new CliException($"the input is not JSON or NDJSON (line {e.LineNumber + 1}): {e.Message}");
        }

        return records.Count > 0 ? records : throw new CliException("the input holds no record");
    }

    private static bool IsOnlyValue(Utf8JsonReader reader)
    {
        try
        {
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Compact(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
