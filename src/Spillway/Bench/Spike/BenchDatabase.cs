using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Spillway.Bench.Spike;

/// <summary>What the benchmark asks of the database under test: row counts, connection counts, a COPY baseline.</summary>
internal sealed class BenchDatabase(string url)
{
    public bool IsPostgres { get; } = url.StartsWith("postgres", StringComparison.Ordinal);

    public string Url => url;

    public async Task<long> CountRowsAsync(string table)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"select count(*) from {table}";
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (DbException)
        {
            return 0; // The table is not created yet.
        }
    }

    /// <summary>Connections to this database other than the benchmark's own (PostgreSQL only).</summary>
    public async Task<int> CountConnectionsAsync()
    {
        if (!IsPostgres)
        {
            return 0;
        }

        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() " +
            "and application_name <> 'spillway-bench'";
        return Convert.ToInt32(await command.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The baseline: PostgreSQL binary COPY of the same rows into a table of the same shape.</summary>
    public async Task<TimeSpan> CopyAsync(string table, int records, Func<int, (string Name, string Email)> row)
    {
        await using var connection = (NpgsqlConnection)await OpenAsync().ConfigureAwait(false);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText =
                $"create table {table} (id uuid primary key, name varchar(200) not null, email varchar(320) not null, " +
                "created_at timestamptz not null)";
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        await using (var writer = await connection.BeginBinaryImportAsync(
            $"copy {table} (id, name, email, created_at) from stdin (format binary)").ConfigureAwait(false))
        {
            for (var i = 0; i < records; i++)
            {
                var (name, email) = row(i);
                await writer.StartRowAsync().ConfigureAwait(false);
                await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid).ConfigureAwait(false);
                await writer.WriteAsync(name, NpgsqlDbType.Varchar).ConfigureAwait(false);
                await writer.WriteAsync(email, NpgsqlDbType.Varchar).ConfigureAwait(false);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
        }

        return stopwatch.Elapsed;
    }

    public async Task DropAsync(string table)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"drop table if exists {table}";
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = IsPostgres
            ? new NpgsqlConnection(PostgresConnectionString(url))
            : new SqliteConnection($"Data Source={new Uri(url).AbsolutePath}");
        await connection.OpenAsync().ConfigureAwait(false);
        return connection;
    }

    /// <summary>A postgresql:// URL as an unpooled connection string named spillway-bench.</summary>
    public static string PostgresConnectionString(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.TrimStart('/'),
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            ApplicationName = "spillway-bench",
            Pooling = false,
        };
        return builder.ConnectionString;
    }
}
