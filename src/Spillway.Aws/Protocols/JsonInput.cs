using System.Runtime.InteropServices;
using System.Text.Json;

namespace Spillway.Sqs.Internal;

/// <summary>JSON 1.0 parameters: the members of the request object (or of one batch entry).</summary>
internal sealed class JsonInput(JsonElement element) : SqsInput
{
    public override string? String(string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => null,
            _ => throw SqsException.Invalid(name, value.GetRawText(), "Must be a scalar value."),
        };
    }

    public override byte[]? Utf8(string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return base.Utf8(name);
        }

        // Without escapes the raw token (between its quotes) is the UTF-8 text itself: copy it instead of decoding to
        // UTF-16 and back.
        var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
        return raw.IndexOf((byte)'\\') < 0 ? raw.ToArray() : base.Utf8(name);
    }

    public override List<string>? List(string queryMember, string jsonName)
    {
        if (!TryGet(jsonName, JsonValueKind.Array, out var array))
        {
            return null;
        }

        var result = new List<string>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw SqsException.Invalid(jsonName, item.GetRawText(), "List members must be strings."));
        }

        return result;
    }

    public override List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName)
    {
        if (!TryGet(jsonName, JsonValueKind.Object, out var map))
        {
            return null;
        }

        var result = new List<KeyValuePair<string, string>>();
        foreach (var property in map.EnumerateObject())
        {
            result.Add(new(property.Name, property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw SqsException.Invalid(jsonName, property.Value.GetRawText(), "Map values must be strings.")));
        }

        return result;
    }

    public override List<KeyValuePair<string, AttributeInput>>? MessageAttributes(string queryPrefix, string jsonName)
    {
        if (!TryGet(jsonName, JsonValueKind.Object, out var map))
        {
            return null;
        }

        var result = new List<KeyValuePair<string, AttributeInput>>();
        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw SqsException.Invalid(jsonName, property.Name, "An attribute value must be an object.");
            }

            var value = new JsonInput(property.Value);
            var binary = value.String("BinaryValue");
            result.Add(new(property.Name, new AttributeInput(
                value.String("DataType"),
                value.String("StringValue"),
                binary is null ? null : QueryInput.DecodeBase64(property.Name, binary),
                HasItems(property.Value, "StringListValues") || HasItems(property.Value, "BinaryListValues"))));
        }

        return result;
    }

    public override List<SqsInput>? Entries(string queryMember, string jsonName)
    {
        if (!TryGet(jsonName, JsonValueKind.Array, out var array))
        {
            return null;
        }

        var result = new List<SqsInput>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.Object
                ? new JsonInput(item)
                : throw SqsException.Invalid(jsonName, item.GetRawText(), "Entries must be objects."));
        }

        return result;
    }

    private static bool HasItems(JsonElement value, string name) =>
        value.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0;

    private bool TryGet(string name, JsonValueKind kind, out JsonElement value)
    {
        if (!element.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind == kind ? true : throw SqsException.Invalid(name, value.GetRawText(), $"Must be a JSON {kind}.");
    }
}
