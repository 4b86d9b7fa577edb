using System.Globalization;

namespace Spillway.Sqs.Internal;

/// <summary>
/// A request's parameters, read the same way whatever the protocol: the query protocol flattens lists and maps into
/// numbered keys (<c>Attribute.1.Name</c>), the JSON protocol nests them. Each accessor names both spellings.
/// </summary>
internal abstract class SqsInput
{
    /// <summary>A scalar parameter as text (JSON numbers and booleans as their literal), or null when absent.</summary>
    public abstract string? String(string name);

    /// <summary>A list of strings: <c>queryMember.N</c> or the JSON array <paramref name="jsonName"/>; null when absent.</summary>
    public abstract List<string>? List(string queryMember, string jsonName);

    /// <summary>A string map: <c>queryPrefix.N.keyName</c>/<c>.valueName</c> or the JSON object <paramref name="jsonName"/>.</summary>
    public abstract List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName);

    /// <summary>Message attributes: <c>queryPrefix.N.Name</c> and <c>.Value.*</c>, or the JSON object
    /// <paramref name="jsonName"/>.</summary>
    public abstract List<KeyValuePair<string, AttributeInput>>? MessageAttributes(string queryPrefix, string jsonName);

    /// <summary>Batch entries: <c>queryMember.N.*</c> or the JSON array <paramref name="jsonName"/>.</summary>
    public abstract List<SqsInput>? Entries(string queryMember, string jsonName);

    /// <summary>A string parameter as UTF-8 bytes, or null when absent. JSON overrides it to skip a UTF-16 round trip.</summary>
    public virtual byte[]? Utf8(string name) => String(name) is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;

    public string Required(string name) =>
        String(name) is { Length: > 0 } value ? value : throw SqsException.Missing(name);

    public int? Int(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw SqsException.Invalid(name, text, "Must be an integer.");
    }

    public int? IntInRange(string name, int min, int max)
    {
        var value = Int(name);
        if (value is { } v && (v < min || v > max))
        {
            throw SqsException.Invalid(name, v.ToString(CultureInfo.InvariantCulture), $"Must be between {min} and {max}, if provided.");
        }

        return value;
    }
}

/// <summary>A message attribute as sent, before validation.</summary>
internal sealed record AttributeInput(string? DataType, string? StringValue, byte[]? BinaryValue, bool HasListValues);
