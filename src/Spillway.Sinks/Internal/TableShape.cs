namespace Spillway.Sinks.Internal;

/// <summary>The validated table layout of one sink: id, mapped columns, optional created-at column.</summary>
internal sealed class TableShape
{
    private const int MaxIdentifierLength = 63; // PostgreSQL's limit, the smallest of the three.

    private TableShape(
        string table, string idColumn, string? createdAtColumn, IReadOnlyList<ColumnMapping> columns, IReadOnlyList<int> keyColumns)
    {
        Table = table;
        IdColumn = idColumn;
        CreatedAtColumn = createdAtColumn;
        Columns = columns;
        KeyColumns = keyColumns;
    }

    public string Table { get; }

    public string IdColumn { get; }

    public string? CreatedAtColumn { get; }

    public IReadOnlyList<ColumnMapping> Columns { get; }

    /// <summary>Indexes into <see cref="Columns"/> of the key columns (<see cref="SqlSinkOptions.KeyColumns"/>); empty
    /// when rows are keyed by message id only.</summary>
    public IReadOnlyList<int> KeyColumns { get; }

    /// <summary>Values per row in an INSERT: id, the mapped columns and created-at when there is one.</summary>
    public int ValuesPerRow => Columns.Count + (CreatedAtColumn is null ? 1 : 2);

    /// <summary>Every column name in insert order: id, mapped columns, created-at.</summary>
    public IEnumerable<string> InsertColumns =>
        CreatedAtColumn is null
            ? [IdColumn, .. Columns.Select(c => c.Column)]
            : [IdColumn, .. Columns.Select(c => c.Column), CreatedAtColumn];

    /// <summary>Validates the options' table settings; throws <see cref="ArgumentException"/> naming the setting.</summary>
    public static TableShape From(SqlSinkOptions options)
    {
        CheckIdentifier(options.Table, nameof(options.Table));
        CheckIdentifier(options.IdColumn, nameof(options.IdColumn));
        if (options.CreatedAtColumn is not null)
        {
            CheckIdentifier(options.CreatedAtColumn, nameof(options.CreatedAtColumn));
        }

        if (options.Columns is null || options.Columns.Count == 0)
        {
            throw new ArgumentException("Columns must map at least one JSON field to a column.", nameof(options.Columns));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { options.IdColumn };
        if (options.CreatedAtColumn is not null && !names.Add(options.CreatedAtColumn))
        {
            throw new ArgumentException(
                $"CreatedAtColumn '{options.CreatedAtColumn}' is also the IdColumn.", nameof(options.CreatedAtColumn));
        }

        foreach (var column in options.Columns)
        {
            CheckIdentifier(column.Column, "Columns.Column");
            if (string.IsNullOrEmpty(column.Field))
            {
                throw new ArgumentException($"Column '{column.Column}' has no JSON field.", nameof(options.Columns));
            }

            if (!names.Add(column.Column))
            {
                throw new ArgumentException(
                    $"Column '{column.Column}' appears twice (or is the id or created-at column).", nameof(options.Columns));
            }

            if (column.MaxLength is <= 0)
            {
                throw new ArgumentException(
                    $"Column '{column.Column}' has MaxLength {column.MaxLength}; it must be positive.", nameof(options.Columns));
            }

            if (!Enum.IsDefined(column.Type))
            {
                throw new ArgumentException($"Column '{column.Column}' has an unknown type {column.Type}.", nameof(options.Columns));
            }
        }

        return new TableShape(options.Table, options.IdColumn, options.CreatedAtColumn, [.. options.Columns], KeysOf(options));
    }

    private static List<int> KeysOf(SqlSinkOptions options)
    {
        var keys = new List<int>();
        if (options.KeyColumns is null)
        {
            return keys;
        }

        if (options.KeyColumns.Count == 0)
        {
            throw new ArgumentException("KeyColumns, when set, names at least one column.", nameof(options.KeyColumns));
        }

        foreach (var name in options.KeyColumns)
        {
            var index = options.Columns.ToList().FindIndex(c => string.Equals(c.Column, name, StringComparison.OrdinalIgnoreCase));
            if (index < 0 || keys.Contains(index))
            {
                throw new ArgumentException($"Key column '{name}' is not a mapped column, or appears twice.", nameof(options.KeyColumns));
            }

            var column = options.Columns[index];

            // Every NULL differs from every other in a unique index, so a key with one would never match a row.
            if (!column.Required || column.Type == ColumnType.Json || (column.Type == ColumnType.Text && column.MaxLength is null))
            {
                throw new ArgumentException(
                    $"Key column '{name}' must be required, and not json; a text one needs a MaxLength.", nameof(options.KeyColumns));
            }

            keys.Add(index);
        }

        return keys;
    }

    /// <summary>
    /// Names are quoted in SQL, but only plain identifiers are allowed at all: configuration must not be able to
    /// smuggle SQL into a statement, and the same name must work on all three databases.
    /// </summary>
    internal static void CheckIdentifier(string? name, string setting)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxIdentifierLength
            || !(char.IsAsciiLetter(name[0]) || name[0] == '_')
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException(
                $"{setting} '{name}' is not a valid name: use 1 to {MaxIdentifierLength} ASCII letters, digits "
                + "or '_', not starting with a digit.",
                setting);
        }
    }
}
