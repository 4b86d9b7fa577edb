using System.Formats.Cbor;

namespace Spillway.Aws.Protocols;

/// <summary>
/// CBOR parameters (<c>application/x-amz-cbor-1.1</c>, as the Java SDKs send Kinesis requests): the members of the
/// request map, decoded by <see cref="Parse"/> into plain values. Strict conformance refuses duplicate keys and text that
/// is not UTF-8; map keys must be text. Timestamps are tag 1 holding integer epoch <em>milliseconds</em>, as the SDKs
/// write them (RFC 8949 says seconds; the SDKs do not follow it), or a float of epoch seconds.
/// </summary>
internal sealed class CborInput(Dictionary<string, object?> map, AwsServiceErrors errors) : AwsInput(errors)
{
    private const int MaxDepth = 64;

    /// <summary>Decodes a request body; an empty body is an empty request.</summary>
    public static CborInput Parse(ReadOnlyMemory<byte> body, AwsServiceErrors errors)
    {
        if (body.IsEmpty)
        {
            return new CborInput(new Dictionary<string, object?>(StringComparer.Ordinal), errors);
        }

        try
        {
            var reader = new CborReader(body, CborConformanceMode.Strict);
            if (reader.PeekState() != CborReaderState.StartMap)
            {
                throw new AwsException(errors.MalformedBody, "The request body must be a CBOR map.");
            }

            var root = (Dictionary<string, object?>)Read(reader, 0)!;
            if (reader.BytesRemaining > 0)
            {
                throw new AwsException(errors.MalformedBody, "The request body holds data after its CBOR map.");
            }

            return new CborInput(root, errors);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new AwsException(errors.MalformedBody, "The request body is not valid CBOR: " + e.Message);
        }
    }

    public override string? String(string name) => Get(name) switch
    {
        null => null,
        string text => text,
        var other => throw WrongType(name, other, "a text string"),
    };

    public override long? Long(string name) => Get(name) switch
    {
        null => null,
        long number => number,
        var other => throw WrongType(name, other, "an integer"),
    };

    public override bool? Bool(string name) => Get(name) switch
    {
        null => null,
        bool value => value,
        var other => throw WrongType(name, other, "a boolean"),
    };

    public override byte[]? Blob(string name) => Get(name) switch
    {
        null => null,
        byte[] bytes => bytes,
        var other => throw WrongType(name, other, "a byte string"),
    };

    public override DateTimeOffset? Timestamp(string name) => Get(name) switch
    {
        null => null,
        DateTimeOffset value => value,
        var other => throw WrongType(name, other, "a timestamp (tag 1)"),
    };

    public override List<string>? List(string queryMember, string jsonName) => Get(jsonName) switch
    {
        null => null,
        List<object?> items => [.. items.Select(item => item as string ?? throw WrongType(jsonName, item, "a list of text strings"))],
        var other => throw WrongType(jsonName, other, "an array"),
    };

    public override List<KeyValuePair<string, string>>? Map(string queryPrefix, string keyName, string valueName, string jsonName) =>
        Get(jsonName) switch
        {
            null => null,
            Dictionary<string, object?> entries => [.. entries.Select(e => KeyValuePair.Create(
                e.Key, e.Value as string ?? throw WrongType(jsonName, e.Value, "a map of text strings")))],
            var other => throw WrongType(jsonName, other, "a map"),
        };

    public override List<KeyValuePair<string, AwsInput>>? StructureMap(string queryPrefix, string keyName, string valueName, string jsonName) =>
        Get(jsonName) switch
        {
            null => null,
            Dictionary<string, object?> entries => [.. entries.Select(e => KeyValuePair.Create(
                e.Key,
                (AwsInput)new CborInput(e.Value as Dictionary<string, object?> ?? throw WrongType(jsonName, e.Value, "a map of maps"), Errors)))],
            var other => throw WrongType(jsonName, other, "a map"),
        };

    public override AwsInput? Structure(string name) => Get(name) switch
    {
        null => null,
        Dictionary<string, object?> members => new CborInput(members, Errors),
        var other => throw WrongType(name, other, "a map"),
    };

    public override List<AwsInput>? Structures(string queryMember, string jsonName) => Get(jsonName) switch
    {
        null => null,
        List<object?> items => [.. items.Select(item => (AwsInput)new CborInput(
            item as Dictionary<string, object?> ?? throw WrongType(jsonName, item, "an array of maps"), Errors))],
        var other => throw WrongType(jsonName, other, "an array"),
    };

    private object? Get(string name) => map.TryGetValue(name, out var value) ? value : null;

    private AwsException WrongType(string name, object? value, string expected) =>
        Errors.Invalid(name, null, $"Must be {expected}, not {Describe(value)}.");

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string => "a text string",
        long => "an integer",
        double => "a float",
        bool => "a boolean",
        byte[] => "a byte string",
        DateTimeOffset => "a timestamp",
        List<object?> => "an array",
        _ => "a map",
    };

    private static object? Read(CborReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException($"it nests deeper than {MaxDepth} levels");
        }

        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                var length = reader.ReadStartMap();
                var map = new Dictionary<string, object?>(length ?? 4, StringComparer.Ordinal);
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    if (reader.PeekState() is not (CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString))
                    {
                        throw new FormatException("map keys must be text strings");
                    }

                    var key = reader.ReadTextString();
                    map[key] = Read(reader, depth + 1);
                }

                reader.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                reader.ReadStartArray();
                var list = new List<object?>();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(Read(reader, depth + 1));
                }

                reader.ReadEndArray();
                return list;
            case CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString:
                return reader.ReadTextString();
            case CborReaderState.ByteString or CborReaderState.StartIndefiniteLengthByteString:
                return reader.ReadByteString();
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                return reader.ReadDouble();
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            case CborReaderState.Null or CborReaderState.SimpleValue:
                reader.SkipValue();
                return null;
            case CborReaderState.Tag:
                return ReadTagged(reader);
            default:
                throw new FormatException($"unexpected {reader.PeekState()}");
        }
    }

    private static DateTimeOffset ReadTagged(CborReader reader)
    {
        var tag = reader.ReadTag();
        if (tag != CborTag.UnixTimeSeconds)
        {
            throw new FormatException($"tag {(ulong)tag} is not supported (only 1, a timestamp)");
        }

        return reader.PeekState() switch
        {
            CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger => DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64()),
            CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat =>
                DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.ReadDouble() * 1000)),
            var state => throw new FormatException($"a timestamp holds {state}, not a number"),
        };
    }
}
