using Npgsql;
using NpgsqlTypes;
using Spillway.TestKit;

namespace Spillway.Aggregations.Tests;

/// <summary>A fresh PostgreSQL database holding the readings, to compute the reference results with plain SQL.</summary>
internal sealed class ReferenceDatabase : IAsyncDisposable
{
    private ReferenceDatabase(string url, NpgsqlDataSource data)
    {
        Url = url;
        Data = data;
    }

    public string Url { get; }

    public NpgsqlDataSource Data { get; }

    public static async Task<ReferenceDatabase> CreateAsync()
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("agg");
        return new ReferenceDatabase(url, NpgsqlDataSource.Create(ConnectionString(url)));
    }

    public static string ConnectionString(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "",
            Database = uri.AbsolutePath.Trim('/'),
        }.ConnectionString;
    }

    public async Task LoadAsync(IEnumerable<Reading> readings)
    {
        await ExecuteAsync("CREATE TABLE readings (device text NOT NULL, ts timestamptz NOT NULL, temp double precision NOT NULL, usr text NOT NULL)");
        await using var connection = await Data.OpenConnectionAsync();
        await using var import = await connection.BeginBinaryImportAsync("COPY readings (device, ts, temp, usr) FROM STDIN (FORMAT BINARY)");
        foreach (var r in readings)
        {
            await import.StartRowAsync();
            await import.WriteAsync(r.Device, NpgsqlDbType.Text);
            await import.WriteAsync(DateTimeOffset.FromUnixTimeMilliseconds(r.Time).UtcDateTime, NpgsqlDbType.TimestampTz);
            await import.WriteAsync(r.Temp, NpgsqlDbType.Double);
            await import.WriteAsync(r.User, NpgsqlDbType.Text);
        }

        await import.CompleteAsync();
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        var rows = new List<object?[]>();
        await using var command = Data.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = await reader.IsDBNullAsync(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Data.DisposeAsync();
        await TestDatabases.DropDatabaseAsync(Url);
    }
}
