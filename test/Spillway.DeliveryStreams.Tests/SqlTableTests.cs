using System.Globalization;
using System.Text;
using System.Text.Json;
using Spillway.DeliveryStreams.Destinations;
using Spillway.Sinks;
using Spillway.Storage;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>Buffers bulk loaded into a SQL table of a real PostgreSQL or MariaDB, once each, failures backed up.</summary>
public sealed class SqlTableTests : IAsyncLifetime
{
    private readonly ManualTimeProvider clock = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly DirectoryDestination destination = new();
    private readonly string data = Directory.CreateTempSubdirectory("spillway-table-data-").FullName;
    private readonly List<string> databases = [];
    private DeliveryStreamStore? store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
        }

        foreach (var database in databases)
        {
            await TestDatabases.DropDatabaseAsync(database);
        }

        destination.Dispose();
        Directory.Delete(data, recursive: true);
    }

    private async Task<string> DatabaseAsync(string provider)
    {
        var url = provider == "postgresql"
            ? await TestDatabases.CreatePostgresDatabaseAsync("fh")
            : await TestDatabases.CreateMySqlDatabaseAsync("fh");
        databases.Add(url);
        return url;
    }

    private DeliveryStreamStore Open(string url) => DeliveryStreamStore.Open(
        FileStorageDevice.Instance,
        data,
        destination.WriteAsync,
        clock,
        databases: new DeliveryDatabases { Named = new Dictionary<string, SqlSinkOptions> { ["warehouse"] = new() { Name = "warehouse", DatabaseUrl = url } } });

    private static DeliveryStreamDefinition Readings() => new()
    {
        Name = "readings",
        Bucket = "failures",
        BufferInterval = TimeSpan.FromSeconds(60),
        SqlTable = new SqlTableDestination
        {
            Database = "warehouse",
            Table = "readings",
            Columns =
            [
                new ColumnMapping("device", "device", ColumnType.Text, 64, Required: true),
                new ColumnMapping("celsius", "t", ColumnType.Real),
            ],
        },
    };

    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task<string> QueryAsync(string url, string sql) => (url.StartsWith("postgresql:", StringComparison.Ordinal)
        ? await TestDatabases.PsqlAsync(url, sql)
        : await TestDatabases.MariaDbAsync(url, sql)).Trim();

    private static async Task<List<string>> RowsAsync(string url) =>
        [.. (await QueryAsync(url, "SELECT device, celsius FROM readings ORDER BY device")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Replace('\t', '|').Replace("|NULL", "|", StringComparison.Ordinal))]; // MariaDB's client prints NULL, psql nothing

    [Theory]
    [InlineData("postgresql")]
    [InlineData("mariadb")]
    public async Task A_buffer_is_loaded_as_rows_with_its_checkpoint(string provider)
    {
        var url = await DatabaseAsync(provider);
        store = Open(url);
        var stream = await store.CreateAsync(Readings());
        await stream.PutAsync([Json("{\"device\":\"d1\",\"t\":21.5}"), Json("{\"device\":\"d2\",\"t\":-3}"), Json("{\"device\":\"d3\"}")]);

        var keys = await stream.FlushAsync();

        Assert.Empty(keys);
        Assert.Equal(["d1|21.5", "d2|-3", "d3|"], await RowsAsync(url));
        Assert.Equal("1", await QueryAsync(url, $"SELECT COUNT(*) FROM {StreamCheckpoint.Table} WHERE consumer = 'firehose/readings' AND stream = 'readings'"));
        Assert.Equal(1, stream.Statistics.FilesWritten);
        Assert.Equal(3, stream.Statistics.RecordsDelivered);
        Assert.Equal(0, stream.Statistics.BufferedRecords);
    }

    [Theory]
    [InlineData("postgresql", false)]
    [InlineData("postgresql", true)]
    [InlineData("mariadb", false)]
    [InlineData("mariadb", true)]
    public async Task A_buffer_delivered_again_after_a_crash_makes_no_row_twice(string provider, bool checkpointLost)
    {
        var url = await DatabaseAsync(provider);
        store = Open(url);
        var stream = await store.CreateAsync(Readings());
        await stream.PutAsync([Json("{\"device\":\"d1\",\"t\":1}"), Json("{\"device\":\"d2\",\"t\":2}")]);

        // The log as a crash would leave it had the buffer been loaded but not yet recorded as delivered.
        var snapshot = Directory.CreateTempSubdirectory("spillway-table-snapshot-").FullName;
        CopyDirectory(data, snapshot);
        await stream.FlushAsync();
        await store.DisposeAsync();
        Directory.Delete(data, recursive: true);
        CopyDirectory(snapshot, data);
        Directory.Delete(snapshot, recursive: true);
        if (checkpointLost)
        {
            await QueryAsync(url, $"DELETE FROM {StreamCheckpoint.Table}");
        }

        store = Open(url);
        Assert.True(store.TryGet("readings", out var reopened));
        Assert.Equal(2, reopened.Statistics.BufferedRecords);
        await reopened.FlushAsync();

        Assert.Equal(["d1|1", "d2|2"], await RowsAsync(url));
        Assert.Equal(0, reopened.Statistics.BufferedRecords);
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("mariadb")]
    public async Task Records_the_table_cannot_take_go_to_sql_table_failed_and_the_rest_are_loaded(string provider)
    {
        var url = await DatabaseAsync(provider);
        store = Open(url);
        var stream = await store.CreateAsync(Readings());
        await stream.PutAsync([Json("{\"device\":\"d1\",\"t\":1}"), Json("{\"t\":2}"), Json("not json"), Json("{\"device\":\"d4\",\"t\":\"warm\"}")]);

        var key = Assert.Single(await stream.FlushAsync());

        Assert.Equal(["d1|1"], await RowsAsync(url));
        Assert.Matches(@"^sql-table-failed/2026/03/04/05/readings-1-2026-03-04-05-06-07-[0-9a-f-]{36}$", key);
        var lines = Encoding.UTF8.GetString(destination.Read("failures", key)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["{\"t\":2}", "not json", "{\"device\":\"d4\",\"t\":\"warm\"}"],
            lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l => Assert.Equal("SqlTable.RecordRejected", l.GetProperty("errorCode").GetString()));
        Assert.Contains("device", lines[0].GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            "1", await QueryAsync(url, $"SELECT COUNT(*) FROM {StreamCheckpoint.Table} WHERE consumer = 'firehose/readings'"));
        Assert.Equal(3, stream.Statistics.RecordsFailed);
        Assert.Equal(1 + 3, stream.Statistics.RecordsDelivered);
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_retried_on_the_clock_until_it_does_and_nothing_is_backed_up()
    {
        var url = await DatabaseAsync("postgresql");
        var real = new Uri(url);
        await using var proxy = new TcpFaultProxy(real.Host, real.Port, startDown: true);
        store = Open(new UriBuilder(real) { Host = "127.0.0.1", Port = proxy.Port }.Uri.ToString());
        var stream = await store.CreateAsync(Readings());
        var start = clock.GetUtcNow();
        await stream.PutAsync([Json("{\"device\":\"d1\",\"t\":1}")]);

        var flushed = stream.FlushAsync();
        await clock.WhenTimerDueBy(start.AddSeconds(1));
        Assert.Equal(1, stream.Statistics.DeliveryFailures);
        proxy.Restore();
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(await flushed);
        Assert.Equal(["d1|1"], await RowsAsync(url));
        Assert.Equal(1, stream.Statistics.DeliveryFailures);
        Assert.Empty(destination.Keys("failures"));
    }

    [Fact]
    public async Task A_table_in_a_database_that_is_not_configured_is_refused_at_creation()
    {
        store = Open("sqlite:///unused.db");
        var definition = Readings() with { SqlTable = Readings().SqlTable! with { Database = "elsewhere" } };

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.CreateAsync(definition));

        Assert.Equal("SqlTableDestinationConfiguration.Database 'elsewhere' is not a configured sink (Spillway:Sinks:elsewhere).", error.Message);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }
}
