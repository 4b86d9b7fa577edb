using Spillway.Sinks.Internal;

namespace Spillway.Sinks;

/// <summary>
/// What one SQL sink's table can hold: the sink's own mapping decisions (a JSON object, each mapped field of its
/// column's type and length per <see cref="ColumnValues"/>, required fields present, no field twice), made without
/// writing anything. Given to every path into a queue the sink drains, so a body the sink would refuse on every try
/// is refused at the door instead of acknowledged and dead-lettered. Create one with
/// <see cref="SqlSinkFactory.CreateRecordRule"/>. Thread-safe.
/// </summary>
public sealed class SinkRecordRule
{
    private readonly RecordMapper mapper;

    internal SinkRecordRule(RecordMapper mapper) => this.mapper = mapper;

    /// <summary>Null when the table can hold <paramref name="body"/>; otherwise why not, in one sentence naming the
    /// field at fault (<c>field 'name' must not contain U+0000 (NUL)</c>).</summary>
    public string? Check(ReadOnlySpan<byte> body)
    {
        var problem = mapper.Check(body, out var field);
        return problem is null ? null : RecordMapper.Describe(field, problem);
    }

    /// <summary>
    /// Like <see cref="Check(ReadOnlySpan{byte})"/>, with the JSON field at fault apart: the answer is then worded to
    /// follow the field's name (<c>must be a string</c>); <paramref name="field"/> is null when the body as a whole is
    /// at fault (not a JSON object, say).
    /// </summary>
    public string? Check(ReadOnlySpan<byte> body, out string? field) => mapper.Check(body, out field);
}
