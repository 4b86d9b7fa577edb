using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spillway.Aggregations.Internal;

internal enum FieldKind : byte
{
    Absent,
    Null,
    Number,
    Text,
    True,
    False,
    Other,
}

/// <summary>
/// The fields one record was asked for, pulled from its JSON with a forward-only reader into reused buffers: a record
/// costs no allocation. Texts keep their unescaped UTF-8 bytes; numbers their value and their JSON text.
/// </summary>
internal sealed class RecordFields
{
    private readonly PathNode root;
    private readonly FieldKind[] kinds;
    private readonly double[] numbers;
    private readonly int[] textStart;
    private readonly int[] textLength;
    private byte[] text = new byte[256];
    private int textUsed;

    /// <param name="paths">The dotted paths; the slot of a path is its index here.</param>
    public RecordFields(IReadOnlyList<string> paths)
    {
        root = new PathNode([]);
        for (var slot = 0; slot < paths.Count; slot++)
        {
            var node = root;
            foreach (var segment in DefinitionRules.Segments(paths[slot]))
            {
                node = node.Child(Encoding.UTF8.GetBytes(segment));
            }

            node.Slot = slot;
        }

        kinds = new FieldKind[paths.Count];
        numbers = new double[paths.Count];
        textStart = new int[paths.Count];
        textLength = new int[paths.Count];
    }

    public FieldKind Kind(int slot) => kinds[slot];

    public double Number(int slot) => numbers[slot];

    /// <summary>A text's UTF-8 bytes, or a number's or boolean's JSON text.</summary>
    public ReadOnlySpan<byte> Text(int slot) => text.AsSpan(textStart[slot], textLength[slot]);

    /// <summary>The field as a number: a JSON number, or a text that is one.</summary>
    public bool TryNumber(int slot, out double value)
    {
        switch (kinds[slot])
        {
            case FieldKind.Number:
                value = numbers[slot];
                return true;
            case FieldKind.Text:
                return Utf8Parser.TryParse(Text(slot), out value, out var used) && used == textLength[slot] && double.IsFinite(value);
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>The event time in Unix milliseconds: a number of milliseconds, or ISO-8601 text (UTC unless an offset is given).</summary>
    public bool TryEventTime(int slot, out long milliseconds)
    {
        milliseconds = 0;
        if (TryNumber(slot, out var n))
        {
            if (n is < -62_135_596_800_000 or > 253_402_300_799_000)
            {
                return false;
            }

            milliseconds = (long)Math.Floor(n);
            return true;
        }

        if (kinds[slot] != FieldKind.Text || textLength[slot] > 64)
        {
            return false;
        }

        Span<char> chars = stackalloc char[64];
        if (!Encoding.UTF8.TryGetChars(Text(slot), chars, out var length)
            || !DateTimeOffset.TryParse(chars[..length], CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return false;
        }

        milliseconds = time.ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>Reads a record; false when it is not a JSON object.</summary>
    public bool Read(ReadOnlySpan<byte> json)
    {
        Array.Clear(kinds);
        textUsed = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            ReadObject(ref reader, root);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void ReadObject(ref Utf8JsonReader reader, PathNode node)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            PathNode? child = null;
            foreach (var candidate in node.Children)
            {
                if (reader.ValueTextEquals(candidate.Name))
                {
                    child = candidate;
                    break;
                }
            }

            reader.Read();
            if (child is null)
            {
                reader.Skip();
            }
            else if (reader.TokenType == JsonTokenType.StartObject && child.Children.Length > 0)
            {
                ReadObject(ref reader, child);
            }
            else if (child.Slot >= 0)
            {
                Set(ref reader, child.Slot);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void Set(ref Utf8JsonReader reader, int slot)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                kinds[slot] = reader.TryGetDouble(out var n) && double.IsFinite(n) ? FieldKind.Number : FieldKind.Other;
                numbers[slot] = n;
                Keep(slot, reader.ValueSpan, escaped: false, ref reader);
                break;
            case JsonTokenType.String:
                kinds[slot] = FieldKind.Text;
                Keep(slot, reader.ValueSpan, reader.ValueIsEscaped, ref reader);
                break;
            case JsonTokenType.True:
                kinds[slot] = FieldKind.True;
                break;
            case JsonTokenType.False:
                kinds[slot] = FieldKind.False;
                break;
            case JsonTokenType.Null:
                kinds[slot] = FieldKind.Null;
                break;
            default:
                kinds[slot] = FieldKind.Other;
                reader.Skip();
                break;
        }
    }

    private void Keep(int slot, ReadOnlySpan<byte> raw, bool escaped, ref Utf8JsonReader reader)
    {
        if (text.Length - textUsed < raw.Length)
        {
            Array.Resize(ref text, Math.Max(text.Length * 2, textUsed + raw.Length));
        }

        var length = escaped ? reader.CopyString(text.AsSpan(textUsed)) : raw.Length;
        if (!escaped)
        {
            raw.CopyTo(text.AsSpan(textUsed));
        }

        textStart[slot] = textUsed;
        textLength[slot] = length;
        textUsed += length;
    }

    private sealed class PathNode(byte[] name)
    {
        public byte[] Name { get; } = name;

        public int Slot { get; set; } = -1;

        public PathNode[] Children { get; private set; } = [];

        public PathNode Child(byte[] segment)
        {
            foreach (var c in Children)
            {
                if (c.Name.AsSpan().SequenceEqual(segment))
                {
                    return c;
                }
            }

            var added = new PathNode(segment);
            Children = [.. Children, added];
            return added;
        }
    }
}
