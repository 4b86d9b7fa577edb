using System.Buffers;
using System.Text.Json;

namespace Spillway.Processing.Internal;

/// <summary>Writes a stream batch as the JSON event Lambda hands a Kinesis-triggered function, field for field.</summary>
internal static class KinesisEventWriter
{
    public static void Write(IBufferWriter<byte> output, StreamBatch stream, string region)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartArray("Records");
        foreach (var record in stream.Records)
        {
            json.WriteStartObject();
            json.WriteStartObject("kinesis");
            json.WriteString("kinesisSchemaVersion", "1.0");
            json.WriteString("partitionKey", record.PartitionKey);
            json.WriteString("sequenceNumber", record.SequenceNumber);
            json.WriteBase64String("data", record.Data.Span);

            // Seconds since the epoch with a fraction, as Lambda sends it.
            json.WriteNumber("approximateArrivalTimestamp", record.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds() / 1000.0);
            json.WriteEndObject();
            json.WriteString("eventSource", "aws:kinesis");
            json.WriteString("eventVersion", "1.0");
            json.WriteString("eventID", $"{stream.ShardId}:{record.SequenceNumber}");
            json.WriteString("eventName", "aws:kinesis:record");
            json.WriteString("invokeIdentityArn", $"arn:aws:iam::{AccountOf(stream.StreamArn)}:role/spillway");
            json.WriteString("awsRegion", region);
            json.WriteString("eventSourceARN", stream.StreamArn);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string AccountOf(string arn) => arn.Split(':') is { Length: > 4 } parts ? parts[4] : "000000000000";
}
