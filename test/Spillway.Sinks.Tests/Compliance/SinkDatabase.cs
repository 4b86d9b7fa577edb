using System.Data.Common;
using System.Globalization;

namespace Spillway.Sinks.Tests.Compliance;

/// <summary>
/// One provider's database for a test class: a fresh database (or file), a way to look at it without going through
/// the sink, and the provider-specific pieces the compliance suite needs.
/// </summary>
public abstract class SinkDatabase : IAsyncLifetime
{
    /// <summary>The sink URL of this class's database.</summary>
    public string Url { get; protected set; } = "";

    /// <summary>An open connection outside any sink pool, for checking what the sink wrote.</summary>
    public abstract Task<DbConnection> OpenAsync();

    /// <summary>Open connections the server counts for this database, or null where there is no server.</summary>
    public abstract Task<int?> ServerConnectionsAsync(DbConnection connection);

    /// <summary>
    /// Starts a transaction on <paramref name="connection"/> that holds the table's write lock, so that a sink write
    /// blocks while holding its pooled connection.
    /// </summary>
    public abstract Task<DbTransaction> LockTableAsync(DbConnection connection, string table);

    /// <summary>
    /// A URL to this database that starts out unreachable, and how to make it reachable (and unreachable again).
    /// </summary>
    public abstract Outage CreateOutage();

    /// <summary>Runs a statement outside any sink pool.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query answering one number, outside any sink pool.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();
}

/// <summary>A way to take a database away from a sink and give it back.</summary>
public abstract class Outage : IAsyncDisposable
{
    public abstract string Url { get; }

    /// <summary>Whether the database can also vanish after the sink has used it (not for an embedded file).</summary>
    public virtual bool CanFailAfterStart => true;

    public abstract void Restore();

    public abstract void Fail();

    public abstract ValueTask DisposeAsync();
}
