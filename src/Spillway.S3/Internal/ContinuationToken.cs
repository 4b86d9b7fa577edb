using System.Buffers.Text;
using System.Text;

namespace Spillway.S3.Internal;

/// <summary>ListObjectsV2's continuation token: opaque to clients, here the last key or prefix of the page before.</summary>
internal static class ContinuationToken
{
    public static string Write(string startAfter) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(startAfter));

    public static string Read(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw S3Exception.InvalidArgument("The continuation token provided is incorrect");
        }
    }
}
