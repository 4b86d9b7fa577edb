using System.Text;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

/// <summary>The seed's users table on one real database, filled through the sink as the workers fill it.</summary>
public sealed class UsersTable : IAsyncDisposable
{
    private readonly string? serverDatabase;
    private readonly string? directory;
    private long clock = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private UsersTable(string url, string? serverDatabase, string? directory)
    {
        Url = url;
        this.serverDatabase = serverDatabase;
        this.directory = directory;
        Options = new SqlSinkOptions { Name = "users", DatabaseUrl = url };
        Sink = SqlSinkFactory.Create(Options);
    }

    public string Url { get; }

    public SqlSinkOptions Options { get; }

    public ISqlSink Sink { get; }

    public static async Task<UsersTable> CreateAsync(string provider)
    {
        UsersTable table;
        switch (provider)
        {
            case "postgresql":
                var pg = await TestDatabases.CreatePostgresDatabaseAsync("exp");
                table = new UsersTable(pg, pg, null);
                break;
            case "mysql":
                var my = await TestDatabases.CreateMySqlDatabaseAsync("exp");
                table = new UsersTable(my, my, null);
                break;
            default:
                var dir = Directory.CreateTempSubdirectory("spillway-exports-").FullName;
                table = new UsersTable("sqlite://" + Path.Combine(dir, "spillway.db"), null, dir);
                break;
        }

        await table.Sink.EnsureSchemaAsync();
        return table;
    }

    public ITableReader CreateReader(IReadOnlyList<string>? columns = null) =>
        SqlSinkFactory.CreateReader(new TableReaderOptions { Sink = Options, Columns = columns });

    /// <summary>Writes rows named user0…, one millisecond apart, starting one millisecond after the last; returns their ids.</summary>
    public async Task<List<Guid>> InsertAsync(int count, int start = 0, Func<int, DateTimeOffset>? createdAt = null)
    {
        var ids = new List<Guid>(count);
        for (var offset = 0; offset < count; offset += 1000)
        {
            var records = new List<SinkRecord>();
            for (var i = offset; i < Math.Min(count, offset + 1000); i++)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(++clock);
                var id = Guid.CreateVersion7(at);
                ids.Add(id);
                var n = start + i;
                var body = Encoding.UTF8.GetBytes($"{{\"name\":\"user{n}\",\"email\":\"user{n}@example.com\"}}");
                records.Add(new SinkRecord(id, body, createdAt?.Invoke(n) ?? at));
            }

            var result = await Sink.WriteAsync(records);
            Assert.Empty(result.Rejected);
        }

        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        await Sink.DisposeAsync();
        if (serverDatabase is not null)
        {
            await TestDatabases.DropDatabaseAsync(serverDatabase);
        }

        if (directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
