using System.Runtime.InteropServices;
using System.Text.Json;

namespace Spillway.Aws.Protocols;

/// <summary>
/// JSON 1.0/1.1 parameters: the members of the request object (or of one nested structure). <see cref="Parse"/> refuses
/// what System.Text.Json would only fail on later, when the action reads it (a lone surrogate, invalid UTF-8 in any
/// string or member name) and a duplicate key; the accessors refuse a number where a string belongs and vice versa.
/// </summary>
internal sealed class JsonInput(JsonElement element, AwsServiceErrors errors) : AwsInput(errors)
{
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false };

    /// <summary>Parses and checks a request body; an empty body is an empty request. The caller disposes the document.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> body, AwsServiceErrors errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.IsEmpty ? "{}"u8.ToArray() : body, Options);
        }
        catch (JsonException e)
        {
            throw new AwsException(errors.MalformedBody, "The request body is not valid JSON: " + e.Message);
        }
        catch (InvalidOperationException)
        {
            // Looking for duplicate member names unescapes them, and fails on one that holds a lone surrogate.
            throw errors.Invalid("the request", null, "A member name is not valid Unicode text (invalid UTF-8 or a lone surrogate).");
        }

        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AwsException(errors.MalformedBody, "The request body must be a JSON object.");
            }

            CheckText(document.RootElement, "the request", errors);
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    public override string? String(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => throw Errors.Invalid(name, Excerpt(value.GetRawText()), "Must be a string."),
    };

    public override byte[]? Utf8(string name)
    {
        if (Get(name) is not { ValueKind: JsonValueKind.String } value)
        {
            return base.Utf8(name);
        }

        // Without escapes the raw token (between its quotes) is the UTF-8 text itself, checked by Parse: copy it instead
        // of decoding to UTF-16 and back.
        var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
        return raw.IndexOf((byte)'\\') < 0 ? raw.ToArray() : base.Utf8(name);
    }

    public override long? Long(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var number) => number,
        { } value => throw Errors.Invalid(name, Excerpt(value.GetRawText()), "Must be an integer (a JSON number)."),
    };

    public override bool? Bool(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } value => throw Errors.Invalid(name, Excerpt(value.GetRawText()), "Must be true or false."),
    };

    public override byte[]? Blob(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value when value.TryGetBytesFromBase64(out var bytes) => bytes,
        { } value => throw Errors.Invalid(name, Excerpt(value.GetRawText()), "Must be a base64 string."),
    };

    public override DateTimeOffset? Timestamp(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetDouble(out var seconds) && Math.Abs(seconds) < 253_402_300_799 =>
            DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)),
        { } value => throw Errors.Invalid(name, Excerpt(value.GetRawText()), "Must be a timestamp in epoch seconds."),
    };

    public override List<string>? List(string queryMember, string jsonName)
    {
        if (Get(jsonName, JsonValueKind.Array) is not { } array)
        {
            return null;
        }

        var result = new List<string>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw Errors.Invalid(jsonName, Excerpt(item.GetRawText()), "List members must be strings."));
        }

        return result;
    }

    public override List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName)
    {
        if (Get(jsonName, JsonValueKind.Object) is not { } map)
        {
            return null;
        }

        var result = new List<KeyValuePair<string, string>>();
        foreach (var property in map.EnumerateObject())
        {
            result.Add(new(property.Name, property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw Errors.Invalid(jsonName, Excerpt(property.Value.GetRawText()), "Map values must be strings.")));
        }

        return result;
    }

    public override List<KeyValuePair<string, AwsInput>>? StructureMap(string queryPrefix, string keyName, string valueName, string jsonName)
    {
        if (Get(jsonName, JsonValueKind.Object) is not { } map)
        {
            return null;
        }

        var result = new List<KeyValuePair<string, AwsInput>>();
        foreach (var property in map.EnumerateObject())
        {
            result.Add(new(property.Name, property.Value.ValueKind == JsonValueKind.Object
                ? new JsonInput(property.Value, Errors)
                : throw Errors.Invalid(jsonName, property.Name, "Map values must be objects.")));
        }

        return result;
    }

    public override AwsInput? Structure(string name) =>
        Get(name, JsonValueKind.Object) is { } value ? new JsonInput(value, Errors) : null;

    public override List<AwsInput>? Structures(string queryMember, string jsonName)
    {
        if (Get(jsonName, JsonValueKind.Array) is not { } array)
        {
            return null;
        }

        var result = new List<AwsInput>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.Object
                ? new JsonInput(item, Errors)
                : throw Errors.Invalid(jsonName, Excerpt(item.GetRawText()), "Members must be objects."));
        }

        return result;
    }

    /// <summary>The member, or null when absent or JSON null (which AWS's JSON serializers treat as absent).</summary>
    private JsonElement? Get(string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private JsonElement? Get(string name, JsonValueKind kind) => Get(name) switch
    {
        null => null,
        { } value when value.ValueKind == kind => value,
        { } value => throw Errors.Invalid(name, Excerpt(value.GetRawText()), $"Must be a JSON {kind.ToString().ToLowerInvariant()}."),
    };

    /// <summary>Refuses a string or member name anywhere in <paramref name="value"/> that is not valid Unicode.</summary>
    private static void CheckText(JsonElement value, string path, AwsServiceErrors errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (!IsValidText(JsonMarshal.GetRawUtf8Value(value)[1..^1], value.GetString))
                {
                    throw errors.Invalid(path, null, "Not valid Unicode text (invalid UTF-8 or a lone surrogate).");
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (!IsValidText(JsonMarshal.GetRawUtf8PropertyName(property), () => property.Name))
                    {
                        throw errors.Invalid(path, null, "A member name is not valid Unicode text (invalid UTF-8 or a lone surrogate).");
                    }

                    CheckText(property.Value, path == "the request" ? property.Name : path + "." + property.Name, errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    CheckText(item, $"{path}[{index++}]", errors);
                }

                break;
        }
    }

    /// <summary>
    /// Raw text without escapes is valid when its bytes are UTF-8; with escapes, when System.Text.Json can unescape it
    /// (it refuses an escaped lone surrogate).
    /// </summary>
    private static bool IsValidText(ReadOnlySpan<byte> raw, Func<string?> unescape)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return System.Text.Unicode.Utf8.IsValid(raw);
        }

        try
        {
            unescape();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
