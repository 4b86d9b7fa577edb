using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

/// <summary>
/// Writes an answer in the request's protocol. Actions describe their output once, naming each member as both
/// protocols spell it (the query protocol flattens lists and maps into repeated elements); the two implementations
/// write XML or JSON straight into a pooled buffer.
/// </summary>
internal abstract class SqsResponse(PooledBuffer buffer)
{
    protected PooledBuffer Buffer { get; } = buffer;

    public abstract string ContentType { get; }

    public abstract void Begin(string action);

    public abstract void End(string action, string requestId);

    /// <summary>The whole answer of an action without output.</summary>
    public abstract void Empty(string action, string requestId);

    public abstract void Error(SqsError error, string message, string requestId);

    public abstract void String(string name, string? value);

    /// <summary>A string member given as UTF-8 (a message body as stored), written without a UTF-16 round trip.</summary>
    public abstract void Utf8String(string name, ReadOnlySpan<byte> utf8);

    public abstract void Number(string name, long value);

    public abstract void Bool(string name, bool value);

    public abstract void BeginList(string jsonName);

    public abstract void EndList();

    public abstract void BeginItem(string xmlName);

    public abstract void EndItem(string xmlName);

    public abstract void ListString(string xmlName, string value);

    public abstract void BeginMap(string jsonName);

    public abstract void MapEntry(string xmlName, string keyName, string valueName, string key, string value);

    public abstract void EndMap();

    /// <summary>One message attribute, inside <see cref="BeginMap"/> of "MessageAttributes".</summary>
    public abstract void MessageAttribute(string name, MessageAttributeValue value);
}

/// <summary>The query protocol's XML, with SQS's element names and namespace.</summary>
internal sealed class XmlResponse(PooledBuffer buffer) : SqsResponse(buffer)
{
    private const string Namespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    public override string ContentType => "text/xml";

    public override void Begin(string action)
    {
        Raw("<?xml version=\"1.0\"?><");
        Raw(action);
        Raw("Response xmlns=\"" + Namespace + "\"><");
        Raw(action);
        Raw("Result>");
    }

    public override void End(string action, string requestId)
    {
        Raw("</");
        Raw(action);
        Raw("Result>");
        Metadata(requestId);
        Raw("</");
        Raw(action);
        Raw("Response>");
    }

    public override void Empty(string action, string requestId)
    {
        Raw("<?xml version=\"1.0\"?><");
        Raw(action);
        Raw("Response xmlns=\"" + Namespace + "\">");
        Metadata(requestId);
        Raw("</");
        Raw(action);
        Raw("Response>");
    }

    public override void Error(SqsError error, string message, string requestId)
    {
        Raw("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + Namespace + "\"><Error><Type>");
        Raw(error.SenderFault ? "Sender" : "Receiver");
        Raw("</Type><Code>");
        Text(error.Code);
        Raw("</Code><Message>");
        Text(message);
        Raw("</Message><Detail/></Error><RequestId>");
        Text(requestId);
        Raw("</RequestId></ErrorResponse>");
    }

    public override void String(string name, string? value)
    {
        if (value is not null)
        {
            Element(name, value);
        }
    }

    public override void Utf8String(string name, ReadOnlySpan<byte> utf8)
    {
        Open(name);
        var start = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            var escape = utf8[i] switch
            {
                (byte)'&' => "&amp;",
                (byte)'<' => "&lt;",
                (byte)'>' => "&gt;",
                (byte)'\r' => "&#xD;",
                _ => null,
            };
            if (escape is not null)
            {
                Bytes(utf8[start..i]);
                Raw(escape);
                start = i + 1;
            }
        }

        Bytes(utf8[start..]);
        Close(name);
    }

    public override void Number(string name, long value)
    {
        Open(name);
        var span = Buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        Buffer.Advance(written);
        Close(name);
    }

    public override void Bool(string name, bool value) => Element(name, value ? "true" : "false");

    public override void BeginList(string jsonName)
    {
    }

    public override void EndList()
    {
    }

    public override void BeginItem(string xmlName) => Open(xmlName);

    public override void EndItem(string xmlName) => Close(xmlName);

    public override void ListString(string xmlName, string value) => Element(xmlName, value);

    public override void BeginMap(string jsonName)
    {
    }

    public override void MapEntry(string xmlName, string keyName, string valueName, string key, string value)
    {
        Open(xmlName);
        Element(keyName, key);
        Element(valueName, value);
        Close(xmlName);
    }

    public override void EndMap()
    {
    }

    public override void MessageAttribute(string name, MessageAttributeValue value)
    {
        Raw("<MessageAttribute><Name>");
        Text(name);
        Raw("</Name><Value>");
        if (value.StringValue is not null)
        {
            Element("StringValue", value.StringValue);
        }

        if (value.BinaryValue is { } binary)
        {
            Open("BinaryValue");
            Base64(binary.Span);
            Close("BinaryValue");
        }

        Element("DataType", value.DataType);
        Raw("</Value></MessageAttribute>");
    }

    private void Metadata(string requestId)
    {
        Raw("<ResponseMetadata><RequestId>");
        Text(requestId);
        Raw("</RequestId></ResponseMetadata>");
    }

    private void Element(string name, string value)
    {
        Open(name);
        Text(value);
        Close(name);
    }

    private void Open(string name)
    {
        Raw("<");
        Raw(name);
        Raw(">");
    }

    private void Close(string name)
    {
        Raw("</");
        Raw(name);
        Raw(">");
    }

    /// <summary>Writes ASCII markup.</summary>
    private void Raw(string ascii)
    {
        var span = Buffer.GetSpan(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            span[i] = (byte)ascii[i];
        }

        Buffer.Advance(ascii.Length);
    }

    /// <summary>
    /// Writes character data. Besides the three markup characters, CR is escaped: an XML parser would otherwise turn
    /// CR LF into LF and the client would see a different body than was sent (and a failing MD5).
    /// </summary>
    private void Text(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var escape = text[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\r' => "&#xD;",
                _ => null,
            };
            if (escape is null)
            {
                continue;
            }

            Utf8(text.AsSpan(start, i - start));
            Raw(escape);
            start = i + 1;
        }

        Utf8(text.AsSpan(start));
    }

    private void Bytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Buffer.GetSpan(bytes.Length));
        Buffer.Advance(bytes.Length);
    }

    private void Utf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        var span = Buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        Buffer.Advance(Encoding.UTF8.GetBytes(chars, span));
    }

    private void Base64(ReadOnlySpan<byte> bytes)
    {
        var span = Buffer.GetSpan(System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(bytes.Length));
        System.Buffers.Text.Base64.EncodeToUtf8(bytes, span, out _, out var written);
        Buffer.Advance(written);
    }
}

/// <summary>The JSON 1.0 protocol's answer, written with <see cref="Utf8JsonWriter"/>.</summary>
internal sealed class JsonResponse : SqsResponse
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The answer is never embedded in HTML; keeping non-ASCII text as is keeps it short.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Utf8JsonWriter json;

    public JsonResponse(PooledBuffer buffer)
        : base(buffer)
    {
        json = new Utf8JsonWriter(buffer, WriterOptions);
    }

    public override string ContentType => "application/x-amz-json-1.0";

    public override void Begin(string action) => json.WriteStartObject();

    public override void End(string action, string requestId)
    {
        json.WriteEndObject();
        json.Flush();
    }

    public override void Empty(string action, string requestId)
    {
    }

    public override void Error(SqsError error, string message, string requestId)
    {
        json.Reset();
        json.WriteStartObject();
        json.WriteString("__type", error.JsonType);
        json.WriteString("message", message);
        json.WriteEndObject();
        json.Flush();
    }

    public override void String(string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    public override void Utf8String(string name, ReadOnlySpan<byte> utf8) => json.WriteString(name, utf8);

    public override void Number(string name, long value) => json.WriteNumber(name, value);

    public override void Bool(string name, bool value) => json.WriteBoolean(name, value);

    public override void BeginList(string jsonName) => json.WriteStartArray(jsonName);

    public override void EndList() => json.WriteEndArray();

    public override void BeginItem(string xmlName) => json.WriteStartObject();

    public override void EndItem(string xmlName) => json.WriteEndObject();

    public override void ListString(string xmlName, string value) => json.WriteStringValue(value);

    public override void BeginMap(string jsonName) => json.WriteStartObject(jsonName);

    public override void MapEntry(string xmlName, string keyName, string valueName, string key, string value) =>
        json.WriteString(key, value);

    public override void EndMap() => json.WriteEndObject();

    public override void MessageAttribute(string name, MessageAttributeValue value)
    {
        json.WriteStartObject(name);
        if (value.StringValue is not null)
        {
            json.WriteString("StringValue", value.StringValue);
        }

        if (value.BinaryValue is { } binary)
        {
            json.WriteBase64String("BinaryValue", binary.Span);
        }

        json.WriteString("DataType", value.DataType);
        json.WriteEndObject();
    }
}
