using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using Spillway.TestKit;

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
        var url = provider == "postgresql"
            ? await TestDatabases.CreatePostgresDatabaseAsync("e2e")
            : await TestDatabases.CreateMySqlDatabaseAsync("e2e");
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2).Select(Uri.UnescapeDataString).ToArray();
        var database = uri.AbsolutePath.TrimStart('/');
        var connectionString = provider == "postgresql"
            ? new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host, Port = uri.Port, Database = database, Username = user[0], Password = user.ElementAtOrDefault(1), Pooling = false,
            }.ToString()
            : new MySqlConnectionStringBuilder
            {
                Server = uri.Host, Port = (uint)uri.Port, Database = database, UserID = user[0], Password = user.ElementAtOrDefault(1),
                Pooling = false, SslMode = MySqlSslMode.None,
            }.ToString();
        return new TestDatabase(provider, url, connectionString);
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

    /// <summary>Runs a query and returns each row's columns as text; empty while a table it reads does not exist yet.</summary>
    public async Task<List<string[]>> QueryAsync(string sql)
    {
        var rows = new List<string[]>();
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new string[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
                }

                rows.Add(row);
            }
        }
        catch (DbException)
        {
            // The table does not exist yet: the worker creates it once the database answers.
        }

        return rows;
    }

    private DbConnection Open() => Provider switch
    {
        "postgresql" => new NpgsqlConnection(connectionString),
        "mysql" => new MySqlConnection(connectionString),
        _ => new SqliteConnection(connectionString),
    };
}
