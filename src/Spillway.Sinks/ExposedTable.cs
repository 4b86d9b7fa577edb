namespace Spillway.Sinks;

/// <summary>
/// A sink table the configuration exposes (<c>Spillway:Tables:&lt;name&gt;</c>): readable at <c>/v1/tables/{name}</c>
/// and exportable, with only the reader's columns and filters on the named ones.
/// </summary>
public sealed class ExposedTable
{
    /// <summary>Creates the entry; throws <see cref="ArgumentException"/> when a filter is not a column of the reader.</summary>
    public ExposedTable(string name, ITableReader reader, IEnumerable<string> filters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(filters);
        Name = name;
        Reader = reader;
        var columns = reader.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var filterable = new Dictionary<string, ReadColumn>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            filterable[filter] = columns.TryGetValue(filter, out var column)
                ? column
                : throw new ArgumentException(
                    $"Filter '{filter}' is not an exposed column of table '{name}' (columns: {string.Join(", ", columns.Keys)}).",
                    nameof(filters));
        }

        Filters = filterable;
    }

    /// <summary>The name in URLs.</summary>
    public string Name { get; }

    /// <summary>Reads the sink's table.</summary>
    public ITableReader Reader { get; }

    /// <summary>The columns that can be filtered on, by name.</summary>
    public IReadOnlyDictionary<string, ReadColumn> Filters { get; }
}
