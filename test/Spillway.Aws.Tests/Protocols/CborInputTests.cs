using System.Formats.Cbor;
using Spillway.Aws.Protocols;

namespace Spillway.Aws.Tests.Protocols;

public sealed class CborInputTests
{
    private static readonly AwsServiceErrors Errors = AwsServiceErrors.Json;

    private static byte[] Map(Action<CborWriter> members, CborConformanceMode mode = CborConformanceMode.Lax)
    {
        var writer = new CborWriter(mode);
        writer.WriteStartMap(null);
        members(writer);
        writer.WriteEndMap();
        return writer.Encode();
    }

    [Fact]
    public void Members_are_read_by_their_cbor_types()
    {
        var body = Map(w =>
        {
            w.WriteTextString("StreamName");
            w.WriteTextString("orders");
            w.WriteTextString("Limit");
            w.WriteInt32(25);
            w.WriteTextString("Data");
            w.WriteByteString([1, 2, 3]);
            w.WriteTextString("Flag");
            w.WriteBoolean(false);
            w.WriteTextString("Timestamp");
            w.WriteTag(CborTag.UnixTimeSeconds);
            w.WriteInt64(1506440188749);
            w.WriteTextString("Seconds");
            w.WriteTag(CborTag.UnixTimeSeconds);
            w.WriteDouble(1506440188.5);
            w.WriteTextString("Records");
            w.WriteStartArray(1);
            w.WriteStartMap(1);
            w.WriteTextString("PartitionKey");
            w.WriteTextString("p");
            w.WriteEndMap();
            w.WriteEndArray();
            w.WriteTextString("Names");
            w.WriteStartArray(null);
            w.WriteTextString("a");
            w.WriteEndArray();
            w.WriteTextString("Tags");
            w.WriteStartMap(1);
            w.WriteTextString("k");
            w.WriteTextString("v");
            w.WriteEndMap();
            w.WriteTextString("Nothing");
            w.WriteNull();
        });

        var input = CborInput.Parse(body, Errors);

        Assert.Equal("orders", input.String("StreamName"));
        Assert.Equal(25, input.Int("Limit"));
        Assert.Equal([1, 2, 3], input.Blob("Data"));
        Assert.False(input.Bool("Flag"));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1506440188749), input.Timestamp("Timestamp"));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1506440188500), input.Timestamp("Seconds"));
        Assert.Equal("p", Assert.Single(input.Structures("Record", "Records")!).String("PartitionKey"));
        Assert.Equal(["a"], input.List("Name", "Names")!);
        Assert.Equal([KeyValuePair.Create("k", "v")], input.Map("Tag", "Key", "Value", "Tags")!);
        Assert.Null(input.String("Nothing"));
    }

    [Fact]
    public void An_empty_body_is_an_empty_request()
    {
        Assert.Null(CborInput.Parse(ReadOnlyMemory<byte>.Empty, Errors).String("StreamName"));
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_refused()
    {
        var input = CborInput.Parse(Map(w =>
        {
            w.WriteTextString("StreamName");
            w.WriteInt32(5);
            w.WriteTextString("Data");
            w.WriteTextString("aGk=");
            w.WriteTextString("Limit");
            w.WriteTextString("5");
        }), Errors);

        Assert.Contains("StreamName", Assert.Throws<AwsException>(() => input.String("StreamName")).Message, StringComparison.Ordinal);
        Assert.Throws<AwsException>(() => input.Blob("Data"));
        Assert.Same(Errors.InvalidParameterValue, Assert.Throws<AwsException>(() => input.Long("Limit")).Error);
    }

    [Fact]
    public void A_duplicate_key_is_refused()
    {
        var body = Map(w =>
        {
            w.WriteTextString("StreamName");
            w.WriteTextString("a");
            w.WriteTextString("StreamName");
            w.WriteTextString("b");
        });

        Assert.Equal("SerializationException", Assert.Throws<AwsException>(() => CborInput.Parse(body, Errors)).Error.Code);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void Text_that_is_not_utf8_is_refused(byte[] bad)
    {
        // {"StreamName": <text of the bad bytes>}
        byte[] body = [0xA1, 0x6A, .. "StreamName"u8, (byte)(0x60 + bad.Length), .. bad];

        Assert.Throws<AwsException>(() => CborInput.Parse(body, Errors));
    }

    [Theory]
    [InlineData(new byte[] { 0x82, 0x01, 0x02 })]
    [InlineData(new byte[] { 0xA1, 0x01, 0x02 })]
    [InlineData(new byte[] { 0xA1, 0x61 })]
    [InlineData(new byte[] { 0xA0, 0x00 })]
    [InlineData(new byte[] { 0xA1, 0x61, 0x61, 0xC2, 0x41, 0x00 })]
    public void Malformed_cbor_is_the_services_malformed_body_error(byte[] body)
    {
        var error = Assert.Throws<AwsException>(() => CborInput.Parse(body, Errors));

        Assert.Same(Errors.MalformedBody, error.Error);
    }
}
