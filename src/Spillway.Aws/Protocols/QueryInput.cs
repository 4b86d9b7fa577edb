using System.Buffers;
using System.Globalization;
using System.Text;

namespace Spillway.Sqs.Internal;

/// <summary>Query-protocol parameters: the form body and the query string, keys as the AWS query serializer writes them.</summary>
internal sealed class QueryInput(Dictionary<string, string> parameters, string prefix = "") : SqsInput
{
    // Lists are numbered from 1 without gaps; this bounds a scan that a malformed request could make long.
    private const int MaxListLength = 1000;

    public override string? String(string name) =>
        parameters.TryGetValue(prefix.Length == 0 ? name : prefix + name, out var value) ? value : null;

    public override List<string>? List(string queryMember, string jsonName)
    {
        List<string>? result = null;
        for (var i = 1; i <= MaxListLength && String(Key(queryMember, i)) is { } value; i++)
        {
            (result ??= []).Add(value);
        }

        return result;
    }

    public override List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName)
    {
        // The serializer uses the shape's location name ("Attribute", "Tag"); some clients use the member name.
        var mapPrefix = String($"{queryPrefix}.1.{keyName}") is null && String($"{jsonName}.1.{keyName}") is not null
            ? jsonName
            : queryPrefix;
        List<KeyValuePair<string, string>>? result = null;
        for (var i = 1; i <= MaxListLength; i++)
        {
            var entry = Key(mapPrefix, i);
            var key = String(entry + "." + keyName);
            if (key is null)
            {
                break;
            }

            (result ??= []).Add(new(key, String(entry + "." + valueName) ?? string.Empty));
        }

        return result;
    }

    public override List<KeyValuePair<string, AttributeInput>>? MessageAttributes(string queryPrefix, string jsonName)
    {
        List<KeyValuePair<string, AttributeInput>>? result = null;
        for (var i = 1; i <= MaxListLength; i++)
        {
            var entry = Key(queryPrefix, i);
            var name = String(entry + ".Name");
            if (name is null)
            {
                break;
            }

            var binary = String(entry + ".Value.BinaryValue");
            var value = new AttributeInput(
                String(entry + ".Value.DataType"),
                String(entry + ".Value.StringValue"),
                binary is null ? null : DecodeBase64(name, binary),
                String(entry + ".Value.StringListValue.1") is not null || String(entry + ".Value.BinaryListValue.1") is not null);
            (result ??= []).Add(new(name, value));
        }

        return result;
    }

    public override List<SqsInput>? Entries(string queryMember, string jsonName)
    {
        // One pass over the keys finds which entry numbers occur ("Member.3.Id" gives 3); entries are numbered from 1.
        var memberPrefix = prefix + queryMember + ".";
        HashSet<int>? present = null;
        foreach (var key in parameters.Keys)
        {
            if (key.StartsWith(memberPrefix, StringComparison.Ordinal))
            {
                var rest = key.AsSpan(memberPrefix.Length);
                var dot = rest.IndexOf('.');
                if (dot > 0 && int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    (present ??= []).Add(index);
                }
            }
        }

        List<SqsInput>? result = null;
        for (var i = 1; present is not null && present.Contains(i); i++)
        {
            (result ??= []).Add(new QueryInput(parameters, prefix + Key(queryMember, i) + "."));
        }

        return result;
    }

    internal static byte[] DecodeBase64(string name, string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw SqsException.Invalid($"MessageAttribute {name}", text, "BinaryValue must be base64.");
        }
    }

    private static string Key(string member, int index) => member + "." + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds the pairs of an <c>application/x-www-form-urlencoded</c> text (a body or a query string without its '?') to
    /// <paramref name="into"/>; a later key replaces an earlier one. False when a percent escape is malformed.
    /// </summary>
    public static bool TryParseForm(ReadOnlySpan<byte> form, Dictionary<string, string> into)
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
                if (!TryDecode(rawKey, scratch, out var key) || !TryDecode(rawValue, scratch, out var value))
                {
                    return false;
                }

                into[key] = value;
            }

            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryDecode(ReadOnlySpan<byte> raw, Span<byte> scratch, out string text)
    {
        if (raw.IndexOfAny((byte)'%', (byte)'+') < 0)
        {
            text = Encoding.UTF8.GetString(raw);
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
                    text = string.Empty;
                    return false;
                }

                var high = HexValue(raw[i + 1]);
                var low = HexValue(raw[i + 2]);
                if (high < 0 || low < 0)
                {
                    text = string.Empty;
                    return false;
                }

                b = (byte)((high << 4) | low);
                i += 2;
            }

            scratch[length++] = b;
        }

        text = Encoding.UTF8.GetString(scratch[..length]);
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
