using System.Buffers;
using System.Text;

namespace Spillway.Aws.Protocols;

/// <summary>What is wrong with a form: a malformed percent escape, or a value a strict reader refuses.</summary>
internal sealed record FormProblem(bool Malformed, string Message);

/// <summary>
/// Reads <c>application/x-www-form-urlencoded</c> text (a body, or a query string without its '?') strictly: a key given
/// twice is refused (the query protocol never repeats one, and a second <c>Action</c> must not win), and so is a value
/// whose decoded bytes are not UTF-8, instead of being silently replaced.
/// </summary>
internal static class FormReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Adds the pairs of <paramref name="form"/> to <paramref name="into"/>; null when it read, else why not.</summary>
    public static FormProblem? Read(ReadOnlySpan<byte> form, Dictionary<string, string> into)
    {
        byte[]? rented = null;
        var scratch = form.Length <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(form.Length));
        try
        {
            while (!form.IsEmpty)
            {
                var end = form.IndexOf((byte)'&');
                var pair = end < 0 ? form : form[..end];
                form = end < 0 ? default : form[(end + 1)..];
                if (pair.IsEmpty)
                {
                    continue;
                }

                var equals = pair.IndexOf((byte)'=');
                var rawKey = equals < 0 ? pair : pair[..equals];
                var rawValue = equals < 0 ? default : pair[(equals + 1)..];
                if (!TryDecode(rawKey, scratch, out var key))
                {
                    return new FormProblem(true, "A parameter name has a malformed percent escape.");
                }

                if (key is null)
                {
                    return new FormProblem(false, "A parameter name is not valid UTF-8.");
                }

                if (!TryDecode(rawValue, scratch, out var value))
                {
                    return new FormProblem(true, $"The value of parameter {key} has a malformed percent escape.");
                }

                if (value is null)
                {
                    return new FormProblem(false, $"Value for parameter {key} is invalid. Reason: it is not valid UTF-8.");
                }

                if (!into.TryAdd(key, value))
                {
                    return new FormProblem(false, $"The parameter {key} is given more than once; it must be given once.");
                }
            }

            return null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>False for a malformed escape; true with a null text when the bytes are not UTF-8.</summary>
    private static bool TryDecode(ReadOnlySpan<byte> raw, Span<byte> scratch, out string? text)
    {
        text = null;
        if (raw.IndexOfAny((byte)'%', (byte)'+') < 0)
        {
            text = Utf8OrNull(raw);
            return true;
        }

        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == '+')
            {
                b = (byte)' ';
            }
            else if (b == '%')
            {
                if (i + 2 >= raw.Length)
                {
                    return false;
                }

                var high = HexValue(raw[i + 1]);
                var low = HexValue(raw[i + 2]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                b = (byte)((high << 4) | low);
                i += 2;
            }

            scratch[length++] = b;
        }

        text = Utf8OrNull(scratch[..length]);
        return true;
    }

    private static string? Utf8OrNull(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
