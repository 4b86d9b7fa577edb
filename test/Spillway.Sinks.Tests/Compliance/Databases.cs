using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using Spillway.TestKit;

namespace Spillway.Sinks.Tests.Compliance;

public sealed class PostgresDatabase : SinkDatabase
{
    public override async Task InitializeAsync() => Url = await TestDatabases.CreatePostgresDatabaseAsync("sink").ConfigureAwait(false);

    public override Task DisposeAsync() => TestDatabases.DropDatabaseAsync(Url);

    public override async Task<DbConnection> OpenAsync()
    {
        var url = DatabaseUrl.Parse(Url);
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = url.Host, Port = url.Port!.Value, Database = url.Database, Username = url.User, Password = url.Password,
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async Task<int?> ServerConnectionsAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        // Client backends only: autovacuum workers also sit in this database once the table has grown.
        command.CommandText = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            + "AND backend_type = 'client backend'";
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    public override async Task<DbTransaction> LockTableAsync(DbConnection connection, string table)
    {
        var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE";
        await command.ExecuteNonQueryAsync();
        return transaction;
    }

    public override Outage CreateOutage() => new ProxyOutage(Url);
}

public sealed class MariaDbDatabase : SinkDatabase
{
    public override async Task InitializeAsync() => Url = await TestDatabases.CreateMySqlDatabaseAsync("sink").ConfigureAwait(false);

    public override Task DisposeAsync() => TestDatabases.DropDatabaseAsync(Url);

    public override async Task<DbConnection> OpenAsync()
    {
        var url = DatabaseUrl.Parse(Url);
        var connection = new MySqlConnection(new MySqlConnectionStringBuilder
        {
            Server = url.Host, Port = (uint)url.Port!.Value, Database = url.Database, UserID = url.User, Password = url.Password,
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async Task<int?> ServerConnectionsAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM information_schema.processlist WHERE db = database() AND id <> connection_id()";
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    public override async Task<DbTransaction> LockTableAsync(DbConnection connection, string table)
    {
        var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // Locks every row (a gap lock on an empty table), so an INSERT waits.
        command.CommandText = $"SELECT count(*) FROM {table} FOR UPDATE";
        await command.ExecuteScalarAsync();
        return transaction;
    }

    public override Outage CreateOutage() => new ProxyOutage(Url);
}

public sealed class SqliteDatabase : SinkDatabase
{
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-sink-").FullName;

    public override Task InitializeAsync()
    {
        Url = "sqlite://" + Path.Combine(directory, "spillway.db");
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    public override async Task<DbConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={DatabaseUrl.Parse(Url).FilePath};Pooling=false;Default Timeout=60");
        await connection.OpenAsync();
        return connection;
    }

    public override Task<int?> ServerConnectionsAsync(DbConnection connection) => Task.FromResult<int?>(null);

    public override Task<DbTransaction> LockTableAsync(DbConnection connection, string table) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override Outage CreateOutage() => new FileOutage(directory);

    /// <summary>The database's directory is blocked by a plain file until restored.</summary>
    private sealed class FileOutage : Outage
    {
        private readonly string blocker;

        public FileOutage(string directory)
        {
            blocker = Path.Combine(directory, "outage-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(blocker, "not a directory");
        }

        public override string Url => "sqlite://" + Path.Combine(blocker, "spillway.db");

        public override bool CanFailAfterStart => false;

        public override void Restore() => File.Delete(blocker);

        public override void Fail() => throw new NotSupportedException();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>The server behind a <see cref="TcpFaultProxy"/> that starts down.</summary>
internal sealed class ProxyOutage : Outage
{
    private readonly TcpFaultProxy proxy;
    private readonly string url;

    public ProxyOutage(string serverUrl)
    {
        var uri = new Uri(serverUrl);
        proxy = new TcpFaultProxy(uri.Host, uri.Port, startDown: true);
        url = new UriBuilder(uri) { Port = proxy.Port }.Uri.ToString();
    }

    public override string Url => url;

    public override void Restore() => proxy.Restore();

    public override void Fail() => proxy.Fail();

    public override ValueTask DisposeAsync() => proxy.DisposeAsync();
}
