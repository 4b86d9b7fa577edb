using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Spillway.Objects.Events;

/// <summary>What happened to an object: S3's event name without the <c>s3:</c> prefix (<c>ObjectCreated:Put</c>), the
/// bucket, the object as it now is (its size and ETag; none for a removal), and when.</summary>
public sealed record ObjectEvent(string EventName, string Bucket, string Key, long? Size, string? ETag, DateTimeOffset Time);

/// <summary>
/// S3's event message (event version 2.1): <c>{"Records":[{…,"s3":{"bucket":{…},"object":{"key":…}}}]}</c>, the object
/// key URL-encoded as S3 sends it, and the <c>s3:TestEvent</c> a queue or topic gets when a configuration names it.
/// </summary>
public static class ObjectEventJson
{
    private const string Principal = "spillway";

    /// <summary>The message one rule sends for one event.</summary>
    public static byte[] Write(ObjectEvent change, ObjectEventRule rule, string region)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(rule);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("Records");
            json.WriteStartObject();
            json.WriteString("eventVersion", "2.1");
            json.WriteString("eventSource", "aws:s3");
            json.WriteString("awsRegion", region);
            json.WriteString("eventTime", Time(change.Time));
            json.WriteString("eventName", change.EventName);
            json.WriteStartObject("userIdentity");
            json.WriteString("principalId", Principal);
            json.WriteEndObject();
            json.WriteStartObject("requestParameters");
            json.WriteString("sourceIPAddress", "127.0.0.1");
            json.WriteEndObject();
            json.WriteStartObject("responseElements");
            json.WriteString("x-amz-request-id", Sequencer(change.Time));
            json.WriteString("x-amz-id-2", Sequencer(change.Time));
            json.WriteEndObject();
            json.WriteStartObject("s3");
            json.WriteString("s3SchemaVersion", "1.0");
            json.WriteString("configurationId", rule.Id);
            json.WriteStartObject("bucket");
            json.WriteString("name", change.Bucket);
            json.WriteStartObject("ownerIdentity");
            json.WriteString("principalId", Principal);
            json.WriteEndObject();
            json.WriteString("arn", "arn:aws:s3:::" + change.Bucket);
            json.WriteEndObject();
            json.WriteStartObject("object");
            json.WriteString("key", WebUtility.UrlEncode(change.Key).Replace("%2F", "/", StringComparison.Ordinal));
            if (change.Size is { } size)
            {
                json.WriteNumber("size", size);
            }

            if (change.ETag is { } etag)
            {
                json.WriteString("eTag", etag);
            }

            json.WriteString("sequencer", Sequencer(change.Time));
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The message S3 sends a queue or topic when a configuration starts naming it.</summary>
    public static byte[] WriteTest(string bucket, DateTimeOffset time)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Service", "Amazon S3");
            json.WriteString("Event", "s3:TestEvent");
            json.WriteString("Time", Time(time));
            json.WriteString("Bucket", bucket);
            json.WriteString("RequestId", Sequencer(time));
            json.WriteString("HostId", Principal);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>S3's sequencer orders events of one key: a hex number that grows with time.</summary>
    private static string Sequencer(DateTimeOffset time) => time.UtcTicks.ToString("X16", CultureInfo.InvariantCulture);
}
