namespace Spillway.Sinks;

/// <summary>Settings of one SQL sink; a copy with one setting changed is made with <c>with</c>.</summary>
public sealed record SqlSinkOptions
{
    /// <summary>The sink's name. Required.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Where to write: <c>postgresql://user:pass@host:port/db</c>, <c>mysql://user:pass@host:port/db</c>
    /// (MariaDB too) or <c>sqlite:///path/to/file.db</c>. Required.
    /// </summary>
    public required string DatabaseUrl { get; init; }

    /// <summary>Target table. Defaults to "users", the seed's table.</summary>
    public string Table { get; init; } = "users";

    /// <summary>Column holding the message id, the table's primary key. Defaults to "id".</summary>
    public string IdColumn { get; init; } = "id";

    /// <summary>Column holding the time the record was accepted; null for none. Defaults to "created_at".</summary>
    public string? CreatedAtColumn { get; init; } = "created_at";

    /// <summary>The mapped columns. Defaults to the seed's name and email.</summary>
    public IReadOnlyList<ColumnMapping> Columns { get; init; } =
    [
        new("name", "name", ColumnType.Text, 200, Required: true),
        new("email", "email", ColumnType.Text, 320, Required: true),
    ];

    /// <summary>
    /// Mapped columns (by column name) whose values are a row's key, for records that stand for the latest state of
    /// something (a device's reading at a time, say): a record whose key is already in the table replaces that row's
    /// other columns (an upsert, the later record winning; the row keeps its id), and of several records with one key in
    /// a write the last one counts. Each must be a required column, text ones with a <see cref="ColumnMapping.MaxLength"/>
    /// (a unique index holds bounded values only); the table gets a unique constraint over them. Null (the default): a
    /// row per message id.
    /// </summary>
    public IReadOnlyList<string>? KeyColumns { get; init; }

    /// <summary>Create the table when missing. Defaults to true.</summary>
    public bool CreateTable { get; init; } = true;

    /// <summary>
    /// Most connections open at once, whatever the worker concurrency. Defaults to 10, a small share of a typical
    /// database's max_connections, as a proxy in front of the database would keep.
    /// </summary>
    public int MaxConnections { get; init; } = 10;

    /// <summary>How long a write waits for a free pooled connection before giving up. Defaults to 30 s.</summary>
    public TimeSpan BorrowTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long opening a new connection may take before the database counts as unavailable. Defaults to 5 s: long
    /// enough for a loaded server, short enough that a worker backs off quickly while the database is down.
    /// A <c>connect_timeout</c> (seconds) in the URL's query string overrides it.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one statement may run. Defaults to 60 s, generous for a batch of many thousand rows.
    /// A <c>command_timeout</c> (seconds) in the URL's query string overrides it.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Directory a relative <c>sqlite://relative/path</c> resolves against. Defaults to null, the current directory.
    /// The host passes its data directory here.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Clock for the borrow timeout. Defaults to <see cref="TimeProvider.System"/>; tests inject their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The sink's name and table; never the database URL, which may hold a password.</summary>
    public override string ToString() => $"SqlSinkOptions {{ Name = {Name}, Table = {Table}, MaxConnections = {MaxConnections} }}";

    /// <summary>The embedded default database: <c>sqlite:///&lt;dataDirectory&gt;/spillway.db</c>.</summary>
    public static string DefaultDatabaseUrl(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return "sqlite://" + Path.GetFullPath(Path.Combine(dataDirectory, "spillway.db"));
    }
}

/// <summary>Maps a JSON field of the record to a column.</summary>
/// <param name="Column">Column name.</param>
/// <param name="Field">JSON property name in the record.</param>
/// <param name="Type">Column type.</param>
/// <param name="MaxLength">Largest text length; null for unbounded text.</param>
/// <param name="Required">Whether a record without the field is rejected.</param>
public sealed record ColumnMapping(string Column, string Field, ColumnType Type, int? MaxLength = null, bool Required = false);

/// <summary>Provider-neutral column types.</summary>
public enum ColumnType
{
    /// <summary>Text (VARCHAR(MaxLength) or TEXT).</summary>
    Text,
    /// <summary>64-bit integer.</summary>
    Integer,
    /// <summary>Double-precision number.</summary>
    Real,
    /// <summary>Boolean.</summary>
    Boolean,
    /// <summary>Timestamp with time zone (an ISO-8601 string in the record).</summary>
    Timestamp,
    /// <summary>Any JSON value, stored as JSON text.</summary>
    Json,
}
