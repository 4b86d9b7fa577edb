using System.Text.Encodings.Web;
using System.Text.Json;

namespace Spillway.Sns.Delivery;

/// <summary>
/// A delivery as a subscription's own queue holds it: the signed envelope (a Notification, or the SubscriptionConfirmation
/// the subscribe wrote). Everything an endpoint receives is derived from it: headers, the raw body, a mail, the Lambda event.
/// </summary>
internal sealed class QueuedDelivery
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonElement root;

    private QueuedDelivery(ReadOnlyMemory<byte> envelope, JsonElement root)
    {
        Envelope = envelope;
        this.root = root;
        Type = Text("Type") ?? "Notification";
        MessageId = Text("MessageId") ?? string.Empty;
        TopicArn = Text("TopicArn") ?? string.Empty;
        Message = Text("Message") ?? string.Empty;
    }

    /// <summary>The envelope's JSON, as signed.</summary>
    public ReadOnlyMemory<byte> Envelope { get; }

    public string Type { get; }

    public bool IsConfirmation => Type == "SubscriptionConfirmation";

    public string MessageId { get; }

    public string TopicArn { get; }

    public string Message { get; }

    public string? Subject => Text("Subject");

    public string? SubscribeUrl => Text("SubscribeURL");

    public string? UnsubscribeUrl => Text("UnsubscribeURL");

    /// <summary>Reads a queued envelope; null when the bytes are not one (nothing to deliver).</summary>
    public static QueuedDelivery? Read(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? new QueuedDelivery(body, document.RootElement.Clone()) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public string? Text(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The value of the message's String attribute of that name, as the envelope carries it; null when none.</summary>
    public string? AttributeText(string name) =>
        root.TryGetProperty("MessageAttributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object
        && attributes.TryGetProperty(name, out var attribute) && attribute.ValueKind == JsonValueKind.Object
        && attribute.TryGetProperty("Type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "String"
        && attribute.TryGetProperty("Value", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>
    /// The event a function receives, as SNS invokes Lambda: one record with the envelope's fields, the URLs in the event's
    /// own casing (<c>SigningCertUrl</c>, <c>UnsubscribeUrl</c>), <c>Subject</c> null when absent, attributes always present.
    /// </summary>
    public byte[] LambdaEvent(string subscriptionArn)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("Records");
            json.WriteStartObject();
            json.WriteString("EventSource", "aws:sns");
            json.WriteString("EventVersion", "1.0");
            json.WriteString("EventSubscriptionArn", subscriptionArn);
            json.WriteStartObject("Sns");
            json.WriteString("Type", Type);
            json.WriteString("MessageId", MessageId);
            json.WriteString("TopicArn", TopicArn);
            json.WriteString("Subject", Subject);
            json.WriteString("Message", Message);
            json.WriteString("Timestamp", Text("Timestamp"));
            json.WriteString("SignatureVersion", Text("SignatureVersion"));
            json.WriteString("Signature", Text("Signature"));
            json.WriteString("SigningCertUrl", Text("SigningCertURL"));
            json.WriteString("UnsubscribeUrl", UnsubscribeUrl);
            json.WritePropertyName("MessageAttributes");
            if (root.TryGetProperty("MessageAttributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
            {
                attributes.WriteTo(json);
            }
            else
            {
                json.WriteStartObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
