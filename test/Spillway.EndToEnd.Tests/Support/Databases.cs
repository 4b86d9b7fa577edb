using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySql.Data.MySqlClient;
using Npgsql;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>A fresh database on one of the real servers that ./test.sh starts, or an SQLite file.</summary>
public sealed class TestDatabase
{
    private readonly string connectionString;

    private TestDatabase(string provider, string url, string connectionString)
    {
        Provider = provider;
        Url = url;
        this.connectionString = connectionString;
    }

    public string Provider { get; }

    /// <summary>The URL to hand to <c>spillway serve --database</c>.</summary>
    public string Url { get; }

    public static TestDatabase Sqlite(string path) =>
        new("sqlite", "sqlite:///" + path.TrimStart('/'), new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());

    /// <summary>Creates a new, empty database on the server named by SPILLWAY_TEST_POSTGRES or SPILLWAY_TEST_MYSQL.</summary>
    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        var variable = provider == "postgresql" ? "SPILLWAY_TEST_POSTGRES" : "SPILLWAY_TEST_MYSQL";
        var serverUrl = Environment.GetEnvironmentVariable(variable)
            ?? throw new InvalidOperationException($"{variable} is not set: run the tests through ./test.sh, which starts the databases.");
        var uri = new Uri(serverUrl);
        var user = uri.UserInfo.Split(':', 2);
        var name = "e2e_" + Guid.NewGuid().ToString("N")[..12];
        if (provider == "postgresql")
        {
            var admin = new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host, Port = uri.Port, Database = uri.AbsolutePath.TrimStart('/'), Username = user[0], Password = user[1], Pooling = false,
            };
            await using (var connection = new NpgsqlConnection(admin.ToString()))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"create database {name}", connection);
                await command.ExecuteNonQueryAsync();
            }

            admin.Database = name;
            return new TestDatabase(provider, $"postgresql://{uri.UserInfo}@{uri.Host}:{uri.Port}/{name}", admin.ToString());
        }

        var mysql = new MySqlConnectionStringBuilder
        {
            Server = uri.Host, Port = (uint)uri.Port, UserID = user[0], Password = user[1], Pooling = false, SslMode = MySqlSslMode.None,
            CharacterSet = "utf8mb4",
        };
        await using (var connection = new MySqlConnection(mysql.ToString()))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand($"create database {name} character set utf8mb4", connection);
            await command.ExecuteNonQueryAsync();
        }

        mysql.Database = name;
        return new TestDatabase(provider, $"mysql://{uri.UserInfo}@{uri.Host}:{uri.Port}/{name}", mysql.ToString());
    }

    public async Task<List<(string Id, string Name, string Email)>> ReadUsersAsync(string table = "users")
    {
        var rows = new List<(string, string, string)>();
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"select id, name, email from {table}";
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!, reader.GetString(1), reader.GetString(2)));
            }
        }
        catch (DbException)
        {
            // The table does not exist yet: the worker creates it once the database answers.
        }

        return rows;
    }

    /// <summary>Waits, polling the real table, until <paramref name="done"/> holds or the timeout passes.</summary>
    public async Task<List<(string Id, string Name, string Email)>> WaitForUsersAsync(
        Func<List<(string Id, string Name, string Email)>, bool> done, TimeSpan timeout, string table = "users")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = await ReadUsersAsync(table);
            if (done(rows) || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(50);
        }
    }

    private DbConnection Open() => Provider switch
    {
        "postgresql" => new NpgsqlConnection(connectionString),
        "mysql" => new MySqlConnection(connectionString),
        _ => new SqliteConnection(connectionString),
    };
}
