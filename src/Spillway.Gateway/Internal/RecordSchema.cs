using System.Text;
using Spillway.Sinks;

namespace Spillway.Gateway.Internal;

/// <summary>An immutable, pre-encoded snapshot of a route's field declarations, shared by every request.</summary>
internal sealed class RecordSchema
{
    /// <summary>How deeply a body may nest (an array of objects with an object field is 3). Small, because records are
    /// flat rows for a table and deep nesting is only ever an attack on the parser.</summary>
    public const int MaxDepth = 16;

    public RecordSchema(IReadOnlyDictionary<string, FieldSchema> fields, bool allowUnknownFields, SinkRecordRule? sinkRule = null)
    {
        var compiled = new SchemaField[fields.Count];
        var i = 0;
        foreach (var (name, field) in fields)
        {
            compiled[i] = new SchemaField(
                name,
                Encoding.UTF8.GetBytes(name),
                field.ColumnType,
                field.Required,
                field.MaxLength,
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
        SinkRule = sinkRule;
    }

    public SchemaField[] Fields { get; }

    public ulong RequiredMask { get; }

    public bool AllowUnknownFields { get; }

    /// <summary>What the table the records end in can hold, checked after the fields; null for no table's rule.</summary>
    public SinkRecordRule? SinkRule { get; }
}

/// <param name="Type">The column type whose value rule (<see cref="ColumnValues"/>) the field's values follow.</param>
internal sealed record SchemaField(
    string Name, byte[] Utf8Name, ColumnType Type, bool Required, int? MaxLength, bool IsEmail, ulong Bit);
