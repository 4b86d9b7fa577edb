using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Spillway.Aws.Internal;

namespace Spillway.Aws.Protocols;

/// <summary>The query protocol's XML answer, in the service's namespace.</summary>
internal sealed class XmlResponse(PooledBuffer buffer, string? xmlNamespace) : AwsResponse(buffer)
{
    private readonly string opening = xmlNamespace is null ? "Response>" : "Response xmlns=\"" + xmlNamespace + "\">";

    public override string ContentType => "text/xml";

    public override void Begin(string action)
    {
        Raw("<?xml version=\"1.0\"?><");
        Raw(action);
        Raw(opening);
        Open(action + "Result");
    }

    public override void End(string action, string requestId)
    {
        Close(action + "Result");
        Metadata(requestId);
        Close(action + "Response");
    }

    public override void Empty(string action, string requestId)
    {
        Raw("<?xml version=\"1.0\"?><");
        Raw(action);
        Raw(opening);
        Metadata(requestId);
        Close(action + "Response");
    }

    public override void Error(AwsError error, string message, string requestId)
    {
        Buffer.Clear();
        Raw("<?xml version=\"1.0\"?><Error");
        Raw(opening);
        Raw("<Error><Type>");
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
            if (Escape(utf8[i]) is { } escape)
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
        Utf8Formatter.TryFormat(value, Buffer.GetSpan(20), out var written);
        Buffer.Advance(written);
        Close(name);
    }

    public override void Bool(string name, bool value) => Element(name, value ? "true" : "false");

    public override void Blob(string name, ReadOnlySpan<byte> value)
    {
        Open(name);
        var span = Buffer.GetSpan(Base64.GetMaxEncodedToUtf8Length(value.Length));
        Base64.EncodeToUtf8(value, span, out _, out var written);
        Buffer.Advance(written);
        Close(name);
    }

    public override void Timestamp(string name, DateTimeOffset value) =>
        Element(name, value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    public override void BeginStructure(string name) => Open(name);

    public override void EndStructure(string name) => Close(name);

    public override void BeginList(string name, string? xmlWrapper = null)
    {
        if (xmlWrapper is not null)
        {
            Open(xmlWrapper);
        }
    }

    public override void EndList(string? xmlWrapper = null)
    {
        if (xmlWrapper is not null)
        {
            Close(xmlWrapper);
        }
    }

    public override void BeginItem(string xmlName) => Open(xmlName);

    public override void EndItem(string xmlName) => Close(xmlName);

    public override void ListString(string xmlName, string value) => Element(xmlName, value);

    public override void BeginMap(string name, string? xmlWrapper = null) => BeginList(name, xmlWrapper);

    public override void EndMap(string? xmlWrapper = null) => EndList(xmlWrapper);

    public override void MapEntry(string xmlName, string keyName, string valueName, string key, string value)
    {
        Open(xmlName);
        Element(keyName, key);
        Element(valueName, value);
        Close(xmlName);
    }

    public override void BeginMapValue(string xmlName, string keyName, string key, string valueName)
    {
        Open(xmlName);
        Element(keyName, key);
        Open(valueName);
    }

    public override void EndMapValue(string xmlName, string valueName)
    {
        Close(valueName);
        Close(xmlName);
    }

    /// <summary>
    /// Besides the three markup characters, CR is escaped: an XML parser would otherwise turn CR LF into LF and the client
    /// would see a different text than was sent (and a failing MD5).
    /// </summary>
    private static string? Escape(int c) => c switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '\r' => "&#xD;",
        _ => null,
    };

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

    /// <summary>Writes character data, escaped.</summary>
    private void Text(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (Escape(text[i]) is { } escape)
            {
                Utf8(text.AsSpan(start, i - start));
                Raw(escape);
                start = i + 1;
            }
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
        if (!chars.IsEmpty)
        {
            var span = Buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
            Buffer.Advance(Encoding.UTF8.GetBytes(chars, span));
        }
    }
}
