using System.Globalization;

namespace Spillway.Aws.Protocols;

/// <summary>
/// Query-protocol parameters: the form body and the query string, keys as the AWS query serializers write them. A list or
/// map is numbered from 1 without gaps, and an entry without its key (<c>MessageAttribute.1.Value.*</c> without
/// <c>.Name</c>) is refused rather than skipped.
/// </summary>
internal sealed class QueryInput(IReadOnlyDictionary<string, string> parameters, AwsServiceErrors errors, string prefix = "")
    : AwsInput(errors)
{
    public override string? String(string name) => parameters.TryGetValue(prefix.Length == 0 ? name : prefix + name, out var value) ? value : null;

    public override long? Long(string name) => String(name) is { } text
        ? long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Errors.Invalid(name, Excerpt(text), "Must be an integer.")
        : null;

    public override bool? Bool(string name) => String(name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var text => throw Errors.Invalid(name, Excerpt(text), "Must be true or false."),
    };

    public override byte[]? Blob(string name) => String(name) is { } text ? DecodeBase64(name, text) : null;

    public override DateTimeOffset? Timestamp(string name) => String(name) is { } text
        ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw Errors.Invalid(name, Excerpt(text), "Must be an ISO 8601 timestamp.")
        : null;

    public override List<string>? List(string queryMember, string jsonName)
    {
        var count = Count(queryMember, null);
        if (count == 0)
        {
            return null;
        }

        var result = new List<string>(count);
        for (var i = 1; i <= count; i++)
        {
            result.Add(String(Key(queryMember, i)) ?? throw Errors.Missing(prefix + Key(queryMember, i)));
        }

        return result;
    }

    public override List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName) =>
        Entries(queryPrefix, keyName, jsonName, entry => String(entry + "." + valueName) ?? string.Empty);

    public override List<KeyValuePair<string, AwsInput>>? StructureMap(string queryPrefix, string keyName, string valueName, string jsonName) =>
        Entries(queryPrefix, keyName, jsonName, entry => (AwsInput)new QueryInput(parameters, Errors, prefix + entry + "." + valueName + "."));

    public override AwsInput? Structure(string name)
    {
        var nested = prefix + name + ".";
        return parameters.Keys.Any(k => k.StartsWith(nested, StringComparison.Ordinal)) ? new QueryInput(parameters, Errors, nested) : null;
    }

    public override List<AwsInput>? Structures(string queryMember, string jsonName)
    {
        var count = Count(queryMember, string.Empty);
        if (count == 0)
        {
            return null;
        }

        var result = new List<AwsInput>(count);
        for (var i = 1; i <= count; i++)
        {
            result.Add(new QueryInput(parameters, Errors, prefix + Key(queryMember, i) + "."));
        }

        return result;
    }

    /// <summary>The entries of a map, <c>prefix.N.keyName</c> each with the value <paramref name="value"/> reads for it.</summary>
    private List<KeyValuePair<string, T>>? Entries<T>(string queryPrefix, string keyName, string jsonName, Func<string, T> value)
    {
        // The serializers use the shape's location name ("Attribute", "Tag"); some clients use the member name instead.
        var mapPrefix = Count(queryPrefix, keyName) == 0 && Count(jsonName, keyName) > 0 ? jsonName : queryPrefix;
        var count = Count(mapPrefix, keyName);
        if (count == 0)
        {
            return null;
        }

        var result = new List<KeyValuePair<string, T>>(count);
        for (var i = 1; i <= count; i++)
        {
            var entry = Key(mapPrefix, i);
            var key = String(entry + "." + keyName) ?? throw Errors.Missing(prefix + entry + "." + keyName);
            result.Add(new(key, value(entry)));
        }

        return result;
    }

    private byte[] DecodeBase64(string name, string text)
    {
        var bytes = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, bytes, out var written)
            ? bytes.AsSpan(0, written).ToArray()
            : throw Errors.Invalid(prefix + name, Excerpt(text), "Must be base64.");
    }

    /// <summary>
    /// How many entries <c>member.1</c> … <c>member.N</c> there are (for structures, keys under <c>member.N.</c>). Refuses a
    /// list that skips a number, which would otherwise lose the entries after the gap.
    /// </summary>
    private int Count(string member, string? structured)
    {
        var start = prefix + member + ".";
        var seen = new SortedSet<int>();
        foreach (var key in parameters.Keys)
        {
            if (!key.StartsWith(start, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = key.AsSpan(start.Length);
            var dot = rest.IndexOf('.');
            if ((structured is null) != (dot < 0))
            {
                continue;
            }

            if (int.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index > 0)
            {
                seen.Add(index);
            }
        }

        if (seen.Count > 0 && seen.Max != seen.Count)
        {
            throw Errors.Invalid(
                prefix + member, null, $"Members must be numbered from 1 without gaps ({member}.{seen.Count + 1} is missing).");
        }

        return seen.Count;
    }

    private static string Key(string member, int index) => member + "." + index.ToString(CultureInfo.InvariantCulture);
}
