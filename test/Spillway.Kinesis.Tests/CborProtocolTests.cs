using System.Formats.Cbor;
using System.Net;

namespace Spillway.Kinesis.Tests;

/// <summary>
/// CBOR (<c>application/x-amz-cbor-1.1</c>) as the Java SDK and the KCL send it: byte strings for data, tag 1 holding epoch
/// milliseconds for timestamps both ways, errors as a CBOR map with <c>__type</c> and <c>message</c>.
/// </summary>
public sealed class CborProtocolTests : IAsyncLifetime
{
    private KinesisTestServer server = null!;

    public async Task InitializeAsync() => server = await KinesisTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Put_and_get_round_trip_bytes_and_millisecond_timestamps()
    {
        var data = new byte[] { 0, 1, 2, 0x80, 0xFE, 0xFF, 0xED, 0xA0, 0x80 };
        var created = await server.CborAsync("CreateStream", w => Map(w, ("StreamName", "cbor"), ("ShardCount", 1)));
        Assert.Equal(HttpStatusCode.OK, created.Status);

        var put = await server.CborAsync("PutRecord", w => Map(w, ("StreamName", "cbor"), ("PartitionKey", "ключ"), ("Data", data)));
        Assert.Equal("application/x-amz-cbor-1.1", put.ContentType);
        Assert.Equal("shardId-000000000000", put.Body["ShardId"]);
        var putAt = server.Clock.GetUtcNow();
        server.Clock.Advance(TimeSpan.FromSeconds(5));

        var iterator = await server.CborAsync("GetShardIterator", w => Map(w,
            ("StreamName", "cbor"), ("ShardId", "shardId-000000000000"), ("ShardIteratorType", "AT_TIMESTAMP"), ("Timestamp", putAt)));
        var read = await server.CborAsync("GetRecords", w => Map(w, ("ShardIterator", iterator.Body["ShardIterator"]), ("Limit", 10)));

        Assert.Equal(HttpStatusCode.OK, read.Status);
        var record = (Dictionary<string, object?>)Assert.Single((List<object?>)read.Body["Records"]!)!;
        Assert.Equal(data, (byte[])record["Data"]!);
        Assert.Equal("ключ", record["PartitionKey"]);
        Assert.Equal(put.Body["SequenceNumber"], record["SequenceNumber"]);
        Assert.Equal(putAt.ToUnixTimeMilliseconds(), ((CborTimestamp)record["ApproximateArrivalTimestamp"]!).Value);
        Assert.IsType<string>(read.Body["NextShardIterator"]);
    }

    [Fact]
    public async Task PutRecords_and_DescribeStreamSummary_answer_in_CBOR()
    {
        await server.CborAsync("CreateStream", w => Map(w, ("StreamName", "batch"), ("ShardCount", 2)));

        var put = await server.CborAsync("PutRecords", w =>
        {
            w.WriteStartMap(null);
            w.WriteTextString("StreamName");
            w.WriteTextString("batch");
            w.WriteTextString("Records");
            w.WriteStartArray(null);
            foreach (var key in new[] { "a", "b", "c" })
            {
                Map(w, ("PartitionKey", key), ("Data", new byte[] { 1, 2, 3 }));
            }

            w.WriteEndArray();
            w.WriteEndMap();
        });
        var summary = await server.CborAsync("DescribeStreamSummary", w => Map(w, ("StreamName", "batch")));

        Assert.Equal(0L, put.Body["FailedRecordCount"]);
        Assert.Equal(3, ((List<object?>)put.Body["Records"]!).Count);
        var description = (Dictionary<string, object?>)summary.Body["StreamDescriptionSummary"]!;
        Assert.Equal(2L, description["OpenShardCount"]);
        Assert.IsType<CborTimestamp>(description["StreamCreationTimestamp"]);
    }

    [Fact]
    public async Task Errors_are_CBOR_maps_with_type_and_message()
    {
        var missing = await server.CborAsync("DescribeStream", w => Map(w, ("StreamName", "nope")));
        var wrongType = await server.CborAsync("PutRecord", w => Map(w, ("StreamName", "nope"), ("PartitionKey", "k"), ("Data", "not bytes")));

        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal("ResourceNotFoundException", missing.Body["__type"]);
        Assert.Contains("nope", (string)missing.Body["message"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);
        Assert.Equal("ValidationException", wrongType.Body["__type"]);
    }

    /// <summary>A definite map, as the Java SDK writes one; a <see cref="DateTimeOffset"/> becomes tag 1 with milliseconds.</summary>
    private static void Map(CborWriter writer, params (string Name, object? Value)[] members)
    {
        writer.WriteStartMap(members.Length);
        foreach (var (name, value) in members)
        {
            writer.WriteTextString(name);
            switch (value)
            {
                case string text:
                    writer.WriteTextString(text);
                    break;
                case int number:
                    writer.WriteInt32(number);
                    break;
                case byte[] bytes:
                    writer.WriteByteString(bytes);
                    break;
                case DateTimeOffset at:
                    writer.WriteTag(CborTag.UnixTimeSeconds);
                    writer.WriteInt64(at.ToUnixTimeMilliseconds());
                    break;
                default:
                    throw new ArgumentException("no CBOR form for " + value);
            }
        }

        writer.WriteEndMap();
    }
}
