using System.Text;

namespace Spillway.Gateway.Internal;

/// <summary>An immutable, pre-encoded snapshot of a route's field declarations, shared by every request.</summary>
internal sealed class RecordSchema
{
    /// <summary>How deeply a body may nest (an array of objects with an object field is 3). Small, because records are
    /// flat rows for a table and deep nesting is only ever an attack on the parser.</summary>
    public const int MaxDepth = 16;

    public RecordSchema(IReadOnlyDictionary<string, FieldSchema> fields, bool allowUnknownFields)
    {
        var compiled = new SchemaField[fields.Count];
        var i = 0;
        foreach (var (name, field) in fields)
        {
            compiled[i] = new SchemaField(
                name,
                Encoding.UTF8.GetBytes(name),
                field.ParsedType,
                field.Required,
                field.MaxLength ?? int.MaxValue,
                field.IsEmail,
                1UL << i);
            if (field.Required)
            {
                RequiredMask |= 1UL << i;
            }

            i++;
        }

        Fields = compiled;
        AllowUnknownFields = allowUnknownFields;
    }

    public SchemaField[] Fields { get; }

    public ulong RequiredMask { get; }

    public bool AllowUnknownFields { get; }
}

internal sealed record SchemaField(
    string Name, byte[] Utf8Name, FieldType Type, bool Required, int MaxLength, bool IsEmail, ulong Bit);

/// <summary>The JSON type of a declared field, parsed from <see cref="FieldSchema.Type"/>.</summary>
internal enum FieldType
{
    String,
    Integer,
    Number,
    Boolean,
}
