using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Spillway.Messaging.Topics.Filtering.Internal;

/// <summary>Compact JSON text for explanations, with non-ASCII left readable (they are read by people, not parsed).</summary>
internal static class JsonText
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Quote(string value) => Write(writer => writer.WriteStringValue(value));

    public static string Compact(JsonElement element) => Write(element.WriteTo);

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
