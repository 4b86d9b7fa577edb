using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Messaging.Topics;

namespace Spillway.Sns.Internal;

/// <summary>
/// The JSON document SNS delivers when raw delivery is off, and the string its signature covers: the fields SNS documents
/// for the message's type, in their documented (alphabetical) order, each as <c>Key\nValue\n</c>.
/// </summary>
internal sealed record Envelope(
    string Type, string MessageId, string TopicArn, string? Subject, string Message, string Timestamp, string SignatureVersion)
{
    // SNS writes non-ASCII text as is; receivers parse JSON, so only what JSON requires is escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string? SequenceNumber { get; init; }

    public string? SigningCertUrl { get; init; }

    public string? UnsubscribeUrl { get; init; }

    /// <summary>SubscriptionConfirmation only.</summary>
    public string? Token { get; init; }

    /// <summary>SubscriptionConfirmation only.</summary>
    public string? SubscribeUrl { get; init; }

    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes { get; init; }

    /// <summary>ISO-8601 UTC with milliseconds, as SNS writes <c>Timestamp</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The message a subscription of <paramref name="protocol"/> receives: with MessageStructure json, the
    /// protocol's own entry or else <c>default</c> (both checked at publish).</summary>
    public static string MessageFor(TopicMessage published, string protocol)
    {
        if (published.MessageStructure != "json")
        {
            return published.Message;
        }

        using var document = JsonDocument.Parse(published.Message);
        var root = document.RootElement;
        return root.TryGetProperty(protocol, out var own) && own.ValueKind == JsonValueKind.String
            ? own.GetString()!
            : root.GetProperty("default").GetString()!;
    }

    public string StringToSign()
    {
        var text = new StringBuilder();
        Field(text, "Message", Message);
        Field(text, "MessageId", MessageId);
        if (Type == "Notification")
        {
            Field(text, "Subject", Subject);
        }
        else
        {
            Field(text, "SubscribeURL", SubscribeUrl);
        }

        Field(text, "Timestamp", Timestamp);
        if (Type != "Notification")
        {
            Field(text, "Token", Token);
        }

        Field(text, "TopicArn", TopicArn);
        Field(text, "Type", Type);
        return text.ToString();
    }

    public byte[] ToJson(string signature)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("Type", Type);
            json.WriteString("MessageId", MessageId);
            WriteIfPresent(json, "SequenceNumber", SequenceNumber);
            WriteIfPresent(json, "Token", Token);
            json.WriteString("TopicArn", TopicArn);
            WriteIfPresent(json, "Subject", Subject);
            json.WriteString("Message", Message);
            WriteIfPresent(json, "SubscribeURL", SubscribeUrl);
            json.WriteString("Timestamp", Timestamp);
            json.WriteString("SignatureVersion", SignatureVersion);
            json.WriteString("Signature", signature);
            WriteIfPresent(json, "SigningCertURL", SigningCertUrl);
            WriteIfPresent(json, "UnsubscribeURL", UnsubscribeUrl);
            if (Attributes is { Count: > 0 } attributes)
            {
                json.WriteStartObject("MessageAttributes");
                foreach (var (name, value) in attributes)
                {
                    json.WriteStartObject(name);
                    json.WriteString("Type", value.DataType);
                    json.WriteString("Value", value.BinaryValue is { } binary ? Convert.ToBase64String(binary.Span) : value.StringValue);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void Field(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            text.Append(key).Append('\n').Append(value).Append('\n');
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
