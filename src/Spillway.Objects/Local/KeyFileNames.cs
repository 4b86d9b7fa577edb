using System.Security.Cryptography;
using System.Text;

namespace Spillway.Objects.Local;

/// <summary>
/// The file name of a key. A key is any UTF-8 up to 1,024 bytes, '/' and ".." included, so it never becomes a path:
/// every byte but A-Z a-z 0-9 '-' '_' '~' is percent-encoded into one flat name (a key of "../x" is the file
/// "%2E%2E%2Fx", inside the bucket). A name longer than a file system allows becomes '=' and the key's SHA-256. An
/// encoded name never starts with '.', which leaves dot names (temporary files, the bucket's own files) to the store;
/// the key itself is read back from the file's metadata, never from its name.
/// </summary>
internal static class KeyFileNames
{
    private const int MaxNameLength = 200;

    public static string Of(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(((int)b).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            if (builder.Length > MaxNameLength)
            {
                return "=" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether a directory entry is an object (not a temporary file or the store's own).</summary>
    public static bool IsObject(string name) => name.Length > 0 && name[0] != '.';
}
