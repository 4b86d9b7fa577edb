using System.Globalization;
using System.Text;

namespace Spillway.Aggregations.Internal;

/// <summary>
/// Numbers each distinct key (the tuple of key values) once: a record's key is spelled into a reused char buffer and looked
/// up without making a string, so only a new key allocates. The spelling is a kind letter, a length and the characters
/// per key field, so no two tuples share one.
/// </summary>
internal sealed class KeyTable
{
    /// <summary>The longest key value accepted, in UTF-8 bytes; a record with a longer one is invalid.</summary>
    public const int MaxKeyBytes = 4096;

    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup;
    private readonly List<string> spellings = [];
    private readonly List<object?[]> values = [];
    private char[] buffer = new char[256];

    public KeyTable() => lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => spellings.Count;

    public string Spelling(int id) => spellings[id];

    public object?[] Values(int id) => values[id];

    /// <summary>The key's number; -1 when a key value is longer than <see cref="MaxKeyBytes"/>.</summary>
    public int Find(RecordFields fields, int[] slots)
    {
        var used = 0;
        foreach (var slot in slots)
        {
            var kind = fields.Kind(slot);
            var text = kind is FieldKind.Text or FieldKind.Number ? fields.Text(slot) : default;
            if (text.Length > MaxKeyBytes)
            {
                return -1;
            }

            var needed = used + 2 + text.Length;
            if (needed > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
            }

            buffer[used++] = kind switch
            {
                FieldKind.Text => 's',
                FieldKind.Number => 'n',
                FieldKind.True => 't',
                FieldKind.False => 'f',
                _ => 'z',
            };
            var length = Encoding.UTF8.GetChars(text, buffer.AsSpan(used + 1));
            buffer[used] = (char)length;
            used += 1 + length;
        }

        var spelling = buffer.AsSpan(0, used);
        return lookup.TryGetValue(spelling, out var id) ? id : Add(spelling.ToString());
    }

    public int Add(string spelling)
    {
        if (ids.TryGetValue(spelling, out var existing))
        {
            return existing;
        }

        var id = spellings.Count;
        ids.Add(spelling, id);
        spellings.Add(spelling);
        values.Add(Decode(spelling));
        return id;
    }

    private static object?[] Decode(string spelling)
    {
        var result = new List<object?>();
        var at = 0;
        while (at < spelling.Length)
        {
            var kind = spelling[at];
            var length = spelling[at + 1];
            var text = spelling.Substring(at + 2, length);
            at += 2 + length;
            result.Add(kind switch
            {
                's' => text,
                'n' => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                    ? (object)l
                    : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                't' => true,
                'f' => false,
                _ => null,
            });
        }

        return [.. result];
    }
}
