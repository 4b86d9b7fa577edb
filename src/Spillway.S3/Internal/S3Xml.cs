using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Spillway.S3.Internal;

/// <summary>S3's XML: answers in its namespace, and the strict reading of request documents.</summary>
internal static class S3Xml
{
    public static readonly XNamespace Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>The largest request document read (CompleteMultipartUpload of 10,000 parts is under 1 MiB).</summary>
    public const int MaxDocumentBytes = 4 * 1024 * 1024;

    public static XElement Element(string name, params object?[] content) => new(Namespace + name, content);

    /// <summary>ISO 8601 with milliseconds, as S3 writes times in XML.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static byte[] Serialize(XElement root)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false }))
        {
            new XDocument(new XDeclaration("1.0", "UTF-8", null), root).Save(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>The body of a request as an XML document, namespace or not; MalformedXML when it does not parse.</summary>
    public static async Task<XElement> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxDocumentBytes)
            {
                throw S3Exception.MalformedXml();
            }
        }

        try
        {
            buffer.Position = 0;
            using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader).Root ?? throw S3Exception.MalformedXml();
        }
        catch (XmlException)
        {
            throw S3Exception.MalformedXml();
        }
    }

    /// <summary>Children named <paramref name="name"/> whatever their namespace (clients send S3's or none).</summary>
    public static IEnumerable<XElement> Children(this XElement element, string name) => element.Elements().Where(e => e.Name.LocalName == name);

    public static string? Child(this XElement element, string name) => element.Children(name).FirstOrDefault()?.Value;
}
