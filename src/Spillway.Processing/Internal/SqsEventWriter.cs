using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;

namespace Spillway.Processing.Internal;

/// <summary>Writes a batch as the JSON event Lambda hands an SQS-triggered function, field for field.</summary>
internal static class SqsEventWriter
{
    public static void Write(IBufferWriter<byte> output, MessageBatch batch, string region, string accountId)
    {
        var arn = $"arn:aws:sqs:{region}:{accountId}:{batch.QueueName}";
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartArray("Records");
        foreach (var message in batch.Messages)
        {
            json.WriteStartObject();
            json.WriteString("messageId", message.MessageId.ToString("D"));
            json.WriteString("receiptHandle", message.ReceiptHandle);
            json.WriteString("body", Encoding.UTF8.GetString(message.Body.Span));
            json.WriteStartObject("attributes");
            json.WriteString("ApproximateReceiveCount", message.ReceiveCount.ToString(CultureInfo.InvariantCulture));
            json.WriteString("SentTimestamp", EpochMilliseconds(message.SentTimestamp));
            json.WriteString("SenderId", accountId);
            json.WriteString("ApproximateFirstReceiveTimestamp", EpochMilliseconds(message.FirstReceiveTimestamp));
            json.WriteEndObject();
            json.WriteStartObject("messageAttributes");
            foreach (var (name, value) in message.Attributes)
            {
                WriteAttribute(json, name, value);
            }

            json.WriteEndObject();
            json.WriteString("md5OfBody", Md5Hex(message.Body.Span));
            json.WriteString("eventSource", "aws:sqs");
            json.WriteString("eventSourceARN", arn);
            json.WriteString("awsRegion", region);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    // Lambda's shape for a message attribute: camel-case keys, list fields always present.
    private static void WriteAttribute(Utf8JsonWriter json, string name, MessageAttributeValue value)
    {
        json.WriteStartObject(name);
        if (value.StringValue is { } text)
        {
            json.WriteString("stringValue", text);
        }

        if (value.BinaryValue is { } binary)
        {
            json.WriteBase64String("binaryValue", binary.Span);
        }

        json.WriteStartArray("stringListValues");
        json.WriteEndArray();
        json.WriteStartArray("binaryListValues");
        json.WriteEndArray();
        json.WriteString("dataType", value.DataType);
        json.WriteEndObject();
    }

    private static string EpochMilliseconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    // MD5 only because the SQS event format carries it; it is a checksum of the body, not a security measure.
#pragma warning disable CA5351
    private static string Md5Hex(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(MD5.HashData(body));
#pragma warning restore CA5351
}
