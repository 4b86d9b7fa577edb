using System.Globalization;

namespace Spillway.Sinks;

/// <summary>
/// Filters as the read API and export requests write them: <c>column=value</c> (equality) or <c>column.op=value</c>
/// with op <c>eq</c>, <c>gt</c>, <c>gte</c>, <c>lt</c> or <c>lte</c>, on the table's declared filter columns only.
/// </summary>
public static class TableFilterSyntax
{
    /// <summary>
    /// Parses <paramref name="parameters"/> into <paramref name="filters"/>; returns null, or the parameter at fault
    /// and why (for a 400 answer naming it).
    /// </summary>
    public static FilterError? TryParse(ExposedTable table, IEnumerable<KeyValuePair<string, string?>> parameters, List<TableFilter> filters)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(filters);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            if (!seen.Add(name))
            {
                return new FilterError(name, $"Parameter '{name}' is given more than once.");
            }

            var dot = name.LastIndexOf('.');
            var column = dot < 0 ? name : name[..dot];
            FilterOperator? op = dot < 0 ? FilterOperator.Equal : name[(dot + 1)..] switch
            {
                "eq" => FilterOperator.Equal,
                "gt" => FilterOperator.GreaterThan,
                "gte" => FilterOperator.GreaterOrEqual,
                "lt" => FilterOperator.LessThan,
                "lte" => FilterOperator.LessOrEqual,
                _ => null,
            };
            if (!table.Filters.TryGetValue(column, out var readColumn))
            {
                var known = table.Filters.Count == 0 ? "none" : string.Join(", ", table.Filters.Keys.Order(StringComparer.Ordinal));
                return new FilterError(name, $"'{Clip(name)}' is not a filter of table '{table.Name}' (filters: {known}).");
            }

            if (op is null)
            {
                return new FilterError(name, $"'{Clip(name)}' has an unknown operator; use eq, gt, gte, lt or lte.");
            }

            if (value is null || !readColumn.TryParse(value, out var parsed))
            {
                return new FilterError(name, $"'{Clip(value ?? "")}' is not a valid {Describe(readColumn)} for '{column}'.");
            }

            filters.Add(new TableFilter(column, op.Value, parsed));
        }

        return null;
    }

    /// <summary>The filters in a canonical text, so a cursor can be bound to the query it came from.</summary>
    public static string Scope(ExposedTable table, IReadOnlyList<TableFilter> filters) =>
        table.Name + "?" + string.Join("&", filters
            .Select(f => $"{f.Column}.{f.Operator}={(f.Value is DateTime t ? t.Ticks : f.Value) switch
            {
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString(),
            }}")
            .Order(StringComparer.Ordinal));

    /// <summary>The parameter a filter could not be made of, and why.</summary>
    public sealed record FilterError(string Parameter, string Detail);

    private static string Describe(ReadColumn column) => column.IsId ? "UUID" : column.Type switch
    {
        ColumnType.Integer => "integer",
        ColumnType.Real => "number",
        ColumnType.Boolean => "boolean (true or false)",
        ColumnType.Timestamp => "ISO-8601 time",
        _ => "value",
    };

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
