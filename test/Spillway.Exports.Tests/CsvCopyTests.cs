using System.Buffers;
using System.Text;
using Spillway.Exports.Internal;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

/// <summary>
/// CSV through PostgreSQL's binary COPY against the same rows read one by one and formatted here: the same bytes for
/// every column type, awkward values, filters and a row longer than the copy's buffer.
/// </summary>
public sealed class CsvCopyTests : IAsyncLifetime
{
    private static readonly ColumnMapping[] Columns =
    [
        new("name", "name", ColumnType.Text),
        new("visits", "visits", ColumnType.Integer),
        new("score", "score", ColumnType.Real),
        new("active", "active", ColumnType.Boolean),
        new("seen", "seen", ColumnType.Timestamp),
        new("meta", "meta", ColumnType.Json),
    ];

    // One body per row: quotes, separators and line breaks, the empty string next to NULL, reals either side of the
    // switch to exponents, whole and fractional seconds, non-ASCII text.
    private static readonly string[] Bodies =
    [
        """{"name":"plain","visits":1,"score":1.5,"active":true,"seen":"2026-01-01T00:00:00Z","meta":{"a":1}}""",
        """{"name":"","visits":0,"score":0,"active":false,"seen":"2026-01-01T00:00:00.1Z","meta":[]}""",
        """{"name":null,"visits":null,"score":null,"active":null,"seen":null,"meta":null}""",
        """{"name":"say \"hi\", then\r\nleave\n","visits":-9223372036854775808,"score":1e20,"seen":"2026-06-30T23:59:59.999999Z"}""",
        """{"name":"田中太郎","visits":9223372036854775807,"score":1e-5,"active":true,"seen":"1999-12-31T23:59:59.000001Z","meta":"x,\"y\""}""",
        """{"name":"a,b","score":0.1,"seen":"2026-01-01T12:00:00.5Z"}""",
        """{"name":"\"","score":123456789012345.6,"visits":42}""",
        """{"name":"x","score":1e15,"active":false}""",
        """{"name":"y","score":-2.5e-7}""",
        """{"name":"z","score":0.0001}""",
    ];

    private string url = null!;
    private ISqlSink sink = null!;
    private ITableReader reader = null!;
    private readonly List<Guid> ids = [];

    public async Task InitializeAsync()
    {
        url = await TestDatabases.CreatePostgresDatabaseAsync("csv");
        var options = new SqlSinkOptions { Name = "things", DatabaseUrl = url, Table = "things", Columns = Columns };
        sink = SqlSinkFactory.Create(options);
        await sink.EnsureSchemaAsync();
        var start = DateTimeOffset.Parse("2026-02-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var records = Bodies.Select((body, i) => new SinkRecord(
            Guid.CreateVersion7(start.AddSeconds(i)), Encoding.UTF8.GetBytes(body), start.AddSeconds(i))).ToList();
        var result = await sink.WriteAsync(records);
        Assert.Empty(result.Rejected);
        ids.AddRange(records.Select(r => r.MessageId));
        reader = SqlSinkFactory.CreateReader(new TableReaderOptions { Sink = options });
    }

    public async Task DisposeAsync()
    {
        await reader.DisposeAsync();
        await sink.DisposeAsync();
    }

    [Fact]
    public async Task Every_type_and_awkward_value_reads_the_same_through_copy_as_row_by_row()
    {
        Assert.True(reader.CopiesCsv);
        var copied = await CopyAsync(new TableQuery());
        Assert.Equal(await FormatRowsAsync(new TableQuery()), copied);

        var lines = copied.Split("\r\n");
        Assert.Equal($"{ids[0]:D},plain,1,1.5,true,2026-01-01T00:00:00Z,\"{{\"\"a\"\": 1}}\",2026-02-01T00:00:00Z", lines[0]);
        Assert.Equal($"{ids[1]:D},\"\",0,0,false,2026-01-01T00:00:00.1Z,[],2026-02-01T00:00:01Z", lines[1]);
        Assert.Equal($"{ids[2]:D},,,,,,,2026-02-01T00:00:02Z", lines[2]);
        Assert.StartsWith($"{ids[3]:D},\"say \"\"hi\"\", then\r\nleave\n\",-9223372036854775808,1E+20,,2026-06-30T23:59:59.999999Z", copied.Split("\r\n", 4)[3], StringComparison.Ordinal);
        Assert.Contains(",田中太郎,9223372036854775807,1E-05,true,1999-12-31T23:59:59.000001Z,", copied, StringComparison.Ordinal);
        Assert.Contains(",\"\"\"\",42,123456789012345.6,", copied, StringComparison.Ordinal);
        Assert.Contains(",x,,1000000000000000,false,", copied, StringComparison.Ordinal);
        Assert.Contains(",z,,0.0001,", copied, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", FilterOperator.Equal, "a,b")]
    [InlineData("name", FilterOperator.Equal, "")]
    [InlineData("visits", FilterOperator.GreaterThan, "0")]
    [InlineData("score", FilterOperator.LessOrEqual, "0.1")]
    [InlineData("active", FilterOperator.Equal, "true")]
    [InlineData("seen", FilterOperator.GreaterOrEqual, "2026-01-01T00:00:00.1Z")]
    [InlineData("created_at", FilterOperator.LessThan, "2026-02-01T00:00:03.5Z")]
    public async Task A_filter_selects_the_same_rows_through_copy_as_row_by_row(string column, FilterOperator op, string text)
    {
        Assert.True(reader.Columns.Single(c => c.Name == column).TryParse(text, out var value));
        var query = new TableQuery { Filters = [new TableFilter(column, op, value)] };
        var copied = await CopyAsync(query);
        Assert.Equal(await FormatRowsAsync(query), copied);
        Assert.NotEqual("", copied);
    }

    [Fact]
    public async Task Resuming_after_an_id_with_a_limit_selects_the_same_rows_through_copy()
    {
        var query = new TableQuery { After = ids[2], Limit = 3 };
        var copied = await CopyAsync(query);
        Assert.Equal(await FormatRowsAsync(query), copied);
        Assert.Equal(ids[3..6].Select(id => id.ToString("D")), copied.Split("\r\n").Where(l => l.Length > 36 && l[36] == ',').Select(l => l[..36]));
    }

    [Fact]
    public async Task A_row_longer_than_the_copy_buffer_arrives_whole()
    {
        var name = new string('n', 300_000);
        var id = Guid.CreateVersion7();
        var result = await sink.WriteAsync([new SinkRecord(id, Encoding.UTF8.GetBytes($$"""{"name":"{{name}}\""}"""), DateTimeOffset.UtcNow)]);
        Assert.Empty(result.Rejected);

        var copied = await CopyAsync(new TableQuery { After = ids[^1] });
        Assert.Equal(await FormatRowsAsync(new TableQuery { After = ids[^1] }), copied);
        Assert.StartsWith($"{id:D},\"{name}\"\"\",", copied, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Databases_without_a_bulk_export_say_so()
    {
        var directory = Directory.CreateTempSubdirectory("spillway-csv-").FullName;
        try
        {
            var options = new SqlSinkOptions { Name = "users", DatabaseUrl = "sqlite://" + Path.Combine(directory, "s.db") };
            await using (var sqliteSink = SqlSinkFactory.Create(options))
            {
                await sqliteSink.EnsureSchemaAsync();
            }

            await using var sqlite = SqlSinkFactory.CreateReader(new TableReaderOptions { Sink = options });
            Assert.False(sqlite.CopiesCsv);
            await Assert.ThrowsAsync<NotSupportedException>(() => sqlite.CopyCsvAsync(new TableQuery(), (_, _) => Task.CompletedTask));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_background_thread_runs_at_the_niceness_asked_and_hands_back_its_result_or_its_error()
    {
        // Ten times over, so that the pool had reason to start threads: none of them inherits the export's priority.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(19, await BackgroundThread.RunAsync("test", 19, () => BackgroundThread.CurrentNiceness()));
            Assert.Equal(0, BackgroundThread.CurrentNiceness());
            Assert.Equal(0, await BackgroundThread.RunAsync("test", 0, () => BackgroundThread.CurrentNiceness()));
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => BackgroundThread.RunAsync<int>("test", 19, () => throw new InvalidOperationException("inside")));
        Assert.Equal("inside", error.Message);
    }

    private async Task<string> CopyAsync(TableQuery query)
    {
        var output = new ArrayBufferWriter<byte>();
        await reader.CopyCsvAsync(query, (source, _) => Task.Run(() =>
        {
            while (source.Fill(output, 16) > 0)
            {
            }
        }));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private async Task<string> FormatRowsAsync(TableQuery query)
    {
        var output = new ArrayBufferWriter<byte>();
        var formatter = new CsvFormatter(reader.Columns);
        await reader.ReadAsync(query, (row, _) =>
        {
            formatter.WriteRow(row, output);
            return ValueTask.CompletedTask;
        });
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
