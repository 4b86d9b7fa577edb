namespace Spillway.Sinks.Aggregates;

/// <summary>
/// An aggregation's results table in a SQL database, and the checkpoint kept with it (table
/// <c>spillway_aggregation_checkpoints</c>: one row per owner). Made by <see cref="SqlSinkFactory.CreateAggregateTable"/>.
/// A database that cannot be reached is <see cref="SinkUnavailableException"/>; bad input is
/// <see cref="ArgumentException"/> naming what is wrong, and nothing is written.
/// </summary>
public interface IAggregateTable : IAsyncDisposable
{
    /// <summary>The name the table was opened under (the aggregation's).</summary>
    string Name { get; }

    /// <summary>The database provider ("sqlite", "postgresql" or "mysql").</summary>
    string Provider { get; }

    /// <summary>The table's layout.</summary>
    AggregateShape Shape { get; }

    /// <summary>
    /// Creates the results table and the checkpoint table when missing. A results table that exists with another
    /// layout is left as it is, and this throws <see cref="InvalidOperationException"/> naming each difference.
    /// </summary>
    Task EnsureCreatedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: writes every row, replacing a stored row of the same keys and window (a late update wins;
    /// of several rows of one key and window here, the last), and stores <paramref name="checkpoint"/> as
    /// <paramref name="owner"/>'s. Either all of it is committed, durably, or none. Rows go in multi-row statements
    /// within each database's parameter limits, so tens of thousands at once are fine. On MariaDB and MySQL one
    /// statement carries the whole checkpoint, so it must fit the server's max_allowed_packet (16 MiB by default on
    /// MariaDB, less 1 KiB); a bigger one is <see cref="InvalidOperationException"/> before anything is written.
    /// </summary>
    /// <param name="rows">The results; may be empty (only the checkpoint moves).</param>
    /// <param name="owner">Whose checkpoint: 1 to 200 characters.</param>
    /// <param name="checkpoint">The bytes to store; any length the database takes (see above).</param>
    /// <param name="cancellationToken">Cancels the write; nothing is committed then.</param>
    Task UpsertAsync(
        IReadOnlyList<AggregateRow> rows, string owner, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default);

    /// <summary>The checkpoint last stored for <paramref name="owner"/>; null when none (or no checkpoint table yet).</summary>
    Task<byte[]?> ReadCheckpointAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of results in the order (window_start, keys…, window_end). Pass the previous page's
    /// <see cref="AggregatePage.Next"/> as <see cref="AggregatePageRequest.After"/> to go on; a token this table did
    /// not return is <see cref="ArgumentException"/>. Every row stored when paging started is returned exactly once.
    /// </summary>
    Task<AggregatePage> ReadPageAsync(AggregatePageRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// For a removed aggregation: deletes <paramref name="owner"/>'s checkpoint, then drops the results table. In that
    /// order, so a crash in between leaves results without a checkpoint (a rerun rewrites the same rows), never a
    /// checkpoint without its results.
    /// </summary>
    Task DropAsync(string owner, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IAggregateTable.ReadPageAsync"/> reads.</summary>
public sealed record AggregatePageRequest
{
    /// <summary>Most rows on the page, 1 to 10,000. Defaults to 100.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>The previous page's <see cref="AggregatePage.Next"/>; null (the default) for the first page.</summary>
    public string? After { get; init; }

    /// <summary>Only windows starting at or after this; null (the default) for no lower bound.</summary>
    public DateTimeOffset? WindowStartFrom { get; init; }

    /// <summary>Only windows starting before this; null (the default) for no upper bound.</summary>
    public DateTimeOffset? WindowStartBefore { get; init; }
}

/// <summary>A page of results.</summary>
/// <param name="Rows">
/// Each row as column name → value, in the table's column order: keys (string, long or double), window_start and
/// window_end as ISO-8601 UTC strings with milliseconds ("2026-12-06T08:00:00.000Z"), values (long, double or null).
/// </param>
/// <param name="Next">The token of the next page; null on the last page.</param>
public sealed record AggregatePage(IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows, string? Next);
