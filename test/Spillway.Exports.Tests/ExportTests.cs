using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spillway.Sinks;

namespace Spillway.Exports.Tests;

public abstract class ExportTests(string provider) : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-export-").FullName;
    private UsersTable table = null!;
    private ExposedTable exposed = null!;

    public async Task InitializeAsync()
    {
        table = await UsersTable.CreateAsync(provider);
        exposed = new ExposedTable("users", table.CreateReader(), ["email", "created_at"]);
    }

    public async Task DisposeAsync()
    {
        await exposed.Reader.DisposeAsync();
        await table.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private Dictionary<string, ExposedTable> Tables => new() { ["users"] = exposed };

    [Fact]
    public async Task A_csv_export_holds_a_header_and_every_row_once()
    {
        var ids = await table.InsertAsync(5_000);
        await using var host = await ExportHost.StartAsync(directory, Tables);
        var id = await host.SubmitAsync(new { table = "users", format = "csv" });
        using var status = await host.WaitEndedAsync(id);
        Assert.True(status.RootElement.GetProperty("state").GetString() == "done", status.RootElement.ToString());
        Assert.Equal(5_000, status.RootElement.GetProperty("rows").GetInt64());

        using var response = await host.Client.GetAsync(status.RootElement.GetProperty("downloadUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"users-{id}.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(status.RootElement.GetProperty("bytes").GetInt64(), bytes.Length);
        var lines = Encoding.UTF8.GetString(bytes).Split("\r\n");
        Assert.Equal("id,name,email,created_at", lines[0]);
        Assert.Equal("", lines[^1]);
        Assert.Equal(ids.Select(i => i.ToString("D")), lines[1..^1].Select(l => l.Split(',')[0]));
        Assert.StartsWith($"{ids[0]:D},user0,user0@example.com,2026-01-01T00:00:00.001", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_ndjson_export_with_filters_holds_the_matching_rows()
    {
        var start = DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await table.InsertAsync(300, createdAt: n => start.AddMinutes(n));
        await using var host = await ExportHost.StartAsync(directory, Tables);
        var id = await host.SubmitAsync(new
        {
            table = "users",
            format = "ndjson",
            gzip = true,
            filters = new Dictionary<string, string> { ["created_at.gte"] = "2026-03-01T01:00:00Z", ["created_at.lt"] = "2026-03-01T02:00:00Z" },
        });
        using var status = await host.WaitEndedAsync(id);
        Assert.Equal(60, status.RootElement.GetProperty("rows").GetInt64());
        using var response = await host.Client.GetAsync($"/v1/exports/{id}/download");
        Assert.Equal("application/gzip", response.Content.Headers.ContentType?.MediaType);
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var lines = (await reader.ReadToEndAsync()).Split('\n');
        Assert.Equal("", lines[^1]);
        var names = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement.GetProperty("name").GetString()).ToList();
        Assert.Equal(Enumerable.Range(60, 60).Select(n => $"user{n}"), names);
    }

    [Fact]
    public async Task A_download_serves_byte_ranges()
    {
        await table.InsertAsync(100);
        await using var host = await ExportHost.StartAsync(directory, Tables);
        var id = await host.SubmitAsync(new { table = "users", format = "csv" });
        using var status = await host.WaitEndedAsync(id);
        var length = status.RootElement.GetProperty("bytes").GetInt64();
        var whole = await host.Client.GetByteArrayAsync($"/v1/exports/{id}/download");

        using var partial = new HttpRequestMessage(HttpMethod.Get, $"/v1/exports/{id}/download");
        partial.Headers.Range = new RangeHeaderValue(10, 29);
        using var part = await host.Client.SendAsync(partial);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 10-29/{length}", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(whole[10..30], await part.Content.ReadAsByteArrayAsync());

        using var outside = new HttpRequestMessage(HttpMethod.Get, $"/v1/exports/{id}/download");
        outside.Headers.Range = new RangeHeaderValue(length + 10, null);
        using var refused = await host.Client.SendAsync(outside);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, refused.StatusCode);
    }

    [Fact]
    public async Task Retention_deletes_the_rows_older_than_its_days_in_small_batches()
    {
        var clock = new Spillway.TestKit.ManualTimeProvider();
        var now = clock.GetUtcNow();
        await table.InsertAsync(250, createdAt: n => n < 200 ? now.AddDays(-40).AddMinutes(n) : now.AddDays(-1).AddMinutes(n));
        using var lifecycle = new DataLifecycle(null, [new TableRetention(exposed.Reader, TimeSpan.FromDays(30), BatchSize: 64)], TimeSpan.FromHours(1), clock);
        var result = await lifecycle.RunOnceAsync();
        Assert.Equal(200, result.DeletedRows["users"]);
        var left = new List<string>();
        await exposed.Reader.ReadAsync(new TableQuery(), (row, _) =>
        {
            Assert.NotEqual(Guid.Empty, row.Id);
            left.Add(row.GetString(1));
            return ValueTask.CompletedTask;
        });
        Assert.Equal(Enumerable.Range(200, 50).Select(n => $"user{n}"), left);
        Assert.Equal(0, (await lifecycle.RunOnceAsync()).DeletedRows["users"]);
    }
}

public sealed class SqliteExportTests() : ExportTests("sqlite")
{
}

public sealed class PostgreSqlExportTests() : ExportTests("postgresql")
{
}

public sealed class MariaDbExportTests() : ExportTests("mysql")
{
}
