using System.Globalization;

namespace Spillway.Aws.Protocols;

/// <summary>
/// A request's parameters, read the same way whatever the protocol: the query protocol flattens lists and maps into
/// numbered keys (<c>Attribute.1.Name</c>), JSON and CBOR nest them, so the accessors of lists and maps name both
/// spellings. Readers are strict: a value of the wrong type, text that is not valid Unicode, or a parameter given twice
/// is refused with the service's <see cref="AwsServiceErrors.InvalidParameterValue"/>, never coerced or dropped.
/// </summary>
public abstract class AwsInput
{
    private protected AwsInput(AwsServiceErrors errors) => Errors = errors;

    /// <summary>The service's codes, for the errors an accessor raises.</summary>
    public AwsServiceErrors Errors { get; }

    /// <summary>A string parameter, or null when absent.</summary>
    public abstract string? String(string name);

    /// <summary>An integer parameter, or null when absent.</summary>
    public abstract long? Long(string name);

    /// <summary>A boolean parameter, or null when absent.</summary>
    public abstract bool? Bool(string name);

    /// <summary>A binary parameter (base64 in query and JSON, a byte string in CBOR), or null when absent.</summary>
    public abstract byte[]? Blob(string name);

    /// <summary>A timestamp parameter (ISO 8601 in query, epoch seconds in JSON, tag 1 in CBOR), or null when absent.</summary>
    public abstract DateTimeOffset? Timestamp(string name);

    /// <summary>A list of strings: <c>queryMember.N</c> or the array <paramref name="jsonName"/>; null when absent.</summary>
    public abstract List<string>? List(string queryMember, string jsonName);

    /// <summary>A string map: <c>queryPrefix.N.keyName</c>/<c>.valueName</c> or the object <paramref name="jsonName"/>.</summary>
    public abstract List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName);

    /// <summary>A map of structures: <c>queryPrefix.N.keyName</c> and <c>queryPrefix.N.valueName.*</c>, or the object of
    /// objects <paramref name="jsonName"/>.</summary>
    public abstract List<KeyValuePair<string, AwsInput>>? StructureMap(string queryPrefix, string keyName, string valueName, string jsonName);

    /// <summary>A nested structure: the members <c>name.*</c> in query, the object <paramref name="name"/> in JSON and CBOR;
    /// null when absent.</summary>
    public abstract AwsInput? Structure(string name);

    /// <summary>A list of structures (batch entries): <c>queryMember.N.*</c> or the array of objects <paramref name="jsonName"/>.</summary>
    public abstract List<AwsInput>? Structures(string queryMember, string jsonName);

    /// <summary>A string parameter as UTF-8 bytes, or null when absent. JSON overrides it to skip a UTF-16 round trip.</summary>
    public virtual byte[]? Utf8(string name) => String(name) is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;

    /// <summary>A string parameter that must be present and not empty.</summary>
    public string Required(string name) => String(name) is { Length: > 0 } value ? value : throw Errors.Missing(name);

    /// <summary>An integer parameter that must fit an <see cref="int"/>, or null when absent.</summary>
    public int? Int(string name) => Long(name) switch
    {
        null => null,
        { } value when value is >= int.MinValue and <= int.MaxValue => (int)value,
        { } value => throw Errors.Invalid(name, value.ToString(CultureInfo.InvariantCulture), "Must be a 32-bit integer."),
    };

    /// <summary>An integer parameter within [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public int? IntInRange(string name, int min, int max)
    {
        var value = Int(name);
        if (value is { } v && (v < min || v > max))
        {
            throw Errors.Invalid(name, v.ToString(CultureInfo.InvariantCulture), $"Must be between {min} and {max}, if provided.");
        }

        return value;
    }

    /// <summary>A short excerpt of a refused value for an error message: the client needs to recognise it, not read it back.</summary>
    private protected static string Excerpt(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");
}
