using System.Text;

namespace Spillway.Objects;

/// <summary>S3's rules for bucket names and keys, and its key order, stated once for every backend and the API.</summary>
public static class ObjectNames
{
    /// <summary>The longest key: 1,024 bytes of UTF-8.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>
    /// Key order as S3 lists: by UTF-8 bytes, which is Unicode code point order. Ordinal UTF-16 order differs only
    /// where surrogates (code points above U+FFFF) meet U+E000-U+FFFF; the shift below puts them back in code point order.
    /// </summary>
    public static readonly IComparer<string> KeyOrder = Comparer<string>.Create(static (a, b) =>
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                return Fixup(a[i]) - Fixup(b[i]);
            }
        }

        return a.Length - b.Length;

        static int Fixup(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    });

    /// <summary>Throws <see cref="ObjectError.InvalidBucketName"/> unless the name follows S3's rules: 3-63 characters of
    /// lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, no "..", not an IP address.</summary>
    public static void CheckBucket(string? bucket)
    {
        if (bucket is null || bucket.Length is < 3 or > 63
            || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
            || !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1])
            || bucket.Contains("..", StringComparison.Ordinal)
            || System.Net.IPAddress.TryParse(bucket, out _))
        {
            throw new ObjectStoreException(ObjectError.InvalidBucketName, "The specified bucket is not valid.");
        }
    }

    /// <summary>Throws <see cref="ObjectError.KeyTooLongOrInvalid"/> unless the key is 1-1,024 bytes of valid UTF-8.</summary>
    public static void CheckKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ObjectStoreException(ObjectError.KeyTooLongOrInvalid, "An object key must not be empty.");
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            throw new ObjectStoreException(ObjectError.KeyTooLongOrInvalid, "An object key must be valid Unicode.");
        }

        if (bytes > MaxKeyBytes)
        {
            throw new ObjectStoreException(ObjectError.KeyTooLongOrInvalid, "Your key is too long.");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
