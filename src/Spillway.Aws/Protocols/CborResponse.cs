using System.Formats.Cbor;
using Spillway.Aws.Internal;

namespace Spillway.Aws.Protocols;

/// <summary>
/// The CBOR answer (<c>application/x-amz-cbor-1.1</c>). Maps and arrays are written with indefinite length, since actions
/// stream their members; timestamps are tag 1 holding integer epoch milliseconds, as the SDKs read them.
/// </summary>
internal sealed class CborResponse(PooledBuffer buffer, string typePrefix) : AwsResponse(buffer)
{
    private readonly CborWriter cbor = new(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);

    public override string ContentType => "application/x-amz-cbor-1.1";

    public override void Begin(string action) => cbor.WriteStartMap(null);

    internal override void Restart()
    {
        cbor.Reset();
        Buffer.Clear();
    }

    public override void End(string action, string requestId)
    {
        cbor.WriteEndMap();
        Flush();
    }

    public override void Empty(string action, string requestId)
    {
    }

    public override void Error(AwsError error, string message, string requestId)
    {
        cbor.Reset();
        Buffer.Clear();
        cbor.WriteStartMap(2);
        cbor.WriteTextString("__type");
        cbor.WriteTextString(typePrefix + error.Shape);
        cbor.WriteTextString("message");
        cbor.WriteTextString(message);
        cbor.WriteEndMap();
        Flush();
    }

    public override void String(string name, string? value)
    {
        if (value is not null)
        {
            cbor.WriteTextString(name);
            cbor.WriteTextString(value);
        }
    }

    public override void Utf8String(string name, ReadOnlySpan<byte> utf8)
    {
        cbor.WriteTextString(name);
        cbor.WriteTextString(System.Text.Encoding.UTF8.GetString(utf8));
    }

    public override void Number(string name, long value)
    {
        cbor.WriteTextString(name);
        cbor.WriteInt64(value);
    }

    public override void Bool(string name, bool value)
    {
        cbor.WriteTextString(name);
        cbor.WriteBoolean(value);
    }

    public override void Blob(string name, ReadOnlySpan<byte> value)
    {
        cbor.WriteTextString(name);
        cbor.WriteByteString(value);
    }

    public override void Timestamp(string name, DateTimeOffset value)
    {
        cbor.WriteTextString(name);
        cbor.WriteTag(CborTag.UnixTimeSeconds);
        cbor.WriteInt64(value.ToUnixTimeMilliseconds());
    }

    public override void BeginStructure(string name)
    {
        cbor.WriteTextString(name);
        cbor.WriteStartMap(null);
    }

    public override void EndStructure(string name) => cbor.WriteEndMap();

    public override void BeginList(string name, string? xmlWrapper = null)
    {
        cbor.WriteTextString(name);
        cbor.WriteStartArray(null);
    }

    public override void EndList(string? xmlWrapper = null) => cbor.WriteEndArray();

    public override void BeginItem(string xmlName) => cbor.WriteStartMap(null);

    public override void EndItem(string xmlName) => cbor.WriteEndMap();

    public override void ListString(string xmlName, string value) => cbor.WriteTextString(value);

    public override void BeginMap(string name, string? xmlWrapper = null) => BeginStructure(name);

    public override void EndMap(string? xmlWrapper = null) => cbor.WriteEndMap();

    public override void MapEntry(string xmlName, string keyName, string valueName, string key, string value)
    {
        cbor.WriteTextString(key);
        cbor.WriteTextString(value);
    }

    public override void BeginMapValue(string xmlName, string keyName, string key, string valueName) => BeginStructure(key);

    public override void EndMapValue(string xmlName, string valueName) => cbor.WriteEndMap();

    private void Flush()
    {
        var length = cbor.BytesWritten;
        cbor.Encode(Buffer.GetSpan(length));
        Buffer.Advance(length);
        cbor.Reset();
    }
}
