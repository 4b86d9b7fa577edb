using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Spillway.Gateway.Reads;

/// <summary>
/// The opaque page cursor: base64url of a version byte, the last id of the page and a tag binding it to the table
/// and the filters it was made for, so a cursor cut, typed by hand or carried over to another query is refused
/// with 400 instead of silently paging something else.
/// </summary>
internal static class TableCursor
{
    private const byte Version = 1;
    private const int TagBytes = 8;
    private const int Length = 1 + 16 + TagBytes;

    public static string Encode(Guid lastId, string scope)
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        lastId.TryWriteBytes(bytes.Slice(1, 16), bigEndian: true, out _);
        Tag(bytes[..17], scope, bytes[17..]);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, string scope, out Guid lastId)
    {
        lastId = default;
        Span<byte> bytes = stackalloc byte[Length];
        if (text.Length != Base64Url.GetEncodedLength(Length) || !Base64Url.IsValid(text)
            || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != Length || bytes[0] != Version)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[TagBytes];
        Tag(bytes[..17], scope, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[17..]))
        {
            return false;
        }

        lastId = new Guid(bytes.Slice(1, 16), bigEndian: true);
        return true;
    }

    private static void Tag(ReadOnlySpan<byte> head, string scope, Span<byte> tag)
    {
        var scopeBytes = Encoding.UTF8.GetBytes(scope);
        var input = new byte[head.Length + scopeBytes.Length];
        head.CopyTo(input);
        scopeBytes.CopyTo(input.AsSpan(head.Length));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        hash[..TagBytes].CopyTo(tag);
    }
}
