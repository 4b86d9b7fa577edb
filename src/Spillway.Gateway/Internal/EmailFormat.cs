namespace Spillway.Gateway.Internal;

/// <summary>
/// A practical email address check on UTF-8: what a sign-up form accepts, not the whole of RFC 5321 (no quoted local
/// parts, comments or address literals, which real senders do not use and which make injection easier downstream).
/// </summary>
internal static class EmailFormat
{
    public static bool IsValid(ReadOnlySpan<byte> address)
    {
        var at = address.LastIndexOf((byte)'@');
        if (at <= 0 || at > 64 || address.Length - at - 1 is < 1 or > 253)
        {
            return false;
        }

        return IsValidLocalPart(address[..at]) && IsValidDomain(address[(at + 1)..]);
    }

    private static bool IsValidLocalPart(ReadOnlySpan<byte> local)
    {
        if (local[0] == '.' || local[^1] == '.')
        {
            return false;
        }

        var previous = (byte)0;
        foreach (var b in local)
        {
            // Controls, space, DEL and the specials of RFC 5322 are not allowed unquoted; non-ASCII is (RFC 6531).
            if (b <= ' ' || b == 0x7F || "\"(),:;<>@[\\]".AsSpan().Contains((char)b) || (b == '.' && previous == '.'))
            {
                return false;
            }

            previous = b;
        }

        return true;
    }

    private static bool IsValidDomain(ReadOnlySpan<byte> domain)
    {
        var labels = 0;
        var lastLabelAllDigits = false;
        while (true)
        {
            var dot = domain.IndexOf((byte)'.');
            var label = dot < 0 ? domain : domain[..dot];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            lastLabelAllDigits = true;
            foreach (var b in label)
            {
                var isDigit = b is >= (byte)'0' and <= (byte)'9';
                if (!isDigit && !(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'-' or >= 0x80))
                {
                    return false;
                }

                lastLabelAllDigits &= isDigit;
            }

            labels++;
            if (dot < 0)
            {
                break;
            }

            domain = domain[(dot + 1)..];
        }

        // "user@localhost" and "user@1.2.3.4" are not addresses a public form should take.
        return labels >= 2 && !lastLabelAllDigits;
    }
}
