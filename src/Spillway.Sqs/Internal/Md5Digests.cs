using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

/// <summary>The digests SQS clients check: MD5OfMessageBody and MD5OfMessageAttributes, as lowercase hex.</summary>
internal static class Md5Digests
{
    private static readonly byte[] StringTransport = [1];
    private static readonly byte[] BinaryTransport = [2];

    public static string OfBody(ReadOnlySpan<byte> utf8Body)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(utf8Body, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// SQS's attribute digest: attributes sorted by name; for each, the name, the data type and the value, each preceded
    /// by its length as a 4-byte big-endian integer, with a transport byte (1 for String and Number, 2 for Binary)
    /// before the value.
    /// </summary>
    public static string OfAttributes(IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> sortedAttributes)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            for (var i = 0; i < sortedAttributes.Count; i++)
            {
                var (name, value) = sortedAttributes[i];
                AppendString(md5, ref buffer, name);
                AppendString(md5, ref buffer, value.DataType);
                if (value.BinaryValue is { } binary)
                {
                    md5.AppendData(BinaryTransport);
                    AppendBytes(md5, binary.Span);
                }
                else
                {
                    md5.AppendData(StringTransport);
                    AppendString(md5, ref buffer, value.StringValue ?? string.Empty);
                }
            }

            Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
            md5.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sorts attributes by name (ordinal, as SQS does) into a list the digest and the answer share.</summary>
    public static List<KeyValuePair<string, MessageAttributeValue>> Sorted(IEnumerable<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        var list = new List<KeyValuePair<string, MessageAttributeValue>>(attributes);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    private static void AppendString(IncrementalHash md5, ref byte[] buffer, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        if (buffer.Length < length + 4)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(length + 4);
        }

        BinaryPrimitives.WriteInt32BigEndian(buffer, length);
        Encoding.UTF8.GetBytes(text, buffer.AsSpan(4));
        md5.AppendData(buffer, 0, length + 4);
    }

    private static void AppendBytes(IncrementalHash md5, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        md5.AppendData(length);
        md5.AppendData(bytes);
    }
}
