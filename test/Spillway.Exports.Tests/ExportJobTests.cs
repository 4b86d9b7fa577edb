using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

/// <summary>Job lifecycle on SQLite and PostgreSQL: restarts, outages, notices, bad requests, expiry.</summary>
public sealed class ExportJobTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-jobs-").FullName;
    private UsersTable table = null!;
    private ExposedTable exposed = null!;

    public async Task InitializeAsync()
    {
        table = await UsersTable.CreateAsync("sqlite");
        await table.InsertAsync(50);
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
    public async Task A_queued_job_survives_a_restart_and_runs_after_it()
    {
        string id;
        await using (var first = await ExportHost.StartAsync(directory, Tables, beforeStart: _ => { }))
        {
            // Held: the worker is stopped before the job is submitted, as if the process died right after the 202.
            await first.Service.DisposeAsync();
            id = (await first.Service.SubmitAsync(new ExportRequest("users", ExportFormat.Csv))).Id;
            Assert.Equal(ExportState.Queued, first.Service.Get(id)!.State);
        }

        await using var second = await ExportHost.StartAsync(directory, Tables);
        using var status = await second.WaitEndedAsync(id);
        Assert.Equal("done", status.RootElement.GetProperty("state").GetString());
        Assert.Equal(50, status.RootElement.GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task A_csv_field_with_a_comma_quote_or_line_break_is_quoted_per_rfc_4180()
    {
        var id = Guid.CreateVersion7();
        var body = System.Text.Encoding.UTF8.GetBytes("""{"name":"Tanaka, \"Taro\"\r\n田中","email":"plain@example.com"}""");
        await table.Sink.WriteAsync([new SinkRecord(id, body, DateTimeOffset.Parse("2026-05-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture))]);
        await using var host = await ExportHost.StartAsync(directory, Tables);
        var job = await host.SubmitAsync(new { table = "users", format = "csv", filters = new { email = "plain@example.com" } });
        (await host.WaitEndedAsync(job)).Dispose();
        var csv = await host.Client.GetStringAsync($"/v1/exports/{job}/download");
        Assert.Equal(
            $"id,name,email,created_at\r\n{id:D},\"Tanaka, \"\"Taro\"\"\r\n田中\",plain@example.com,2026-05-01T12:00:00Z\r\n", csv);
    }

    [Fact]
    public async Task A_finished_job_is_still_done_after_a_restart()
    {
        string id;
        await using (var first = await ExportHost.StartAsync(directory, Tables))
        {
            id = await first.SubmitAsync(new { table = "users", format = "ndjson" });
            (await first.WaitEndedAsync(id)).Dispose();
        }

        await using var second = await ExportHost.StartAsync(directory, Tables);
        using var status = await second.StatusAsync(id);
        Assert.Equal("done", status.RootElement.GetProperty("state").GetString());
        Assert.Equal(50, (await second.Client.GetStringAsync($"/v1/exports/{id}/download")).Split('\n').Length - 1);
    }

    [Fact]
    public async Task With_the_database_down_a_job_retries_with_backoff_then_fails_with_the_reason()
    {
        var clock = new ManualTimeProvider();
        await using var outage = await UnreachableTableAsync();
        var delays = new BlockingCollection<TimeSpan>();
        await using var host = await ExportHost.StartAsync(
            directory,
            new Dictionary<string, ExposedTable> { ["users"] = outage.Table },
            jobs => new ExportOptions
            {
                JobDirectory = jobs, MaxAttempts = 3, RetryInitialDelay = TimeSpan.FromSeconds(10), TimeProvider = clock,
            },
            beforeStart: service => service.RetryScheduled = delays.Add);
        var id = await host.SubmitAsync(new { table = "users", format = "csv" });

        Assert.True(delays.TryTake(out var first, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(10), first);
        using (var waiting = await host.StatusAsync(id))
        {
            Assert.Equal("queued", waiting.RootElement.GetProperty("state").GetString());
            Assert.Equal(1, waiting.RootElement.GetProperty("attempts").GetInt32());
        }

        clock.Advance(first);
        Assert.True(delays.TryTake(out var second, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(20), second);
        clock.Advance(second);

        using var status = await host.WaitEndedAsync(id);
        Assert.Equal("failed", status.RootElement.GetProperty("state").GetString());
        Assert.Equal(3, status.RootElement.GetProperty("attempts").GetInt32());
        var reason = status.RootElement.GetProperty("reason").GetString()!;
        Assert.Contains("could not be reached in 3 attempts", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("spillway@", reason, StringComparison.Ordinal);
        using var download = await host.Client.GetAsync($"/v1/exports/{id}/download");
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
    }

    [Fact]
    public async Task A_database_back_before_the_last_attempt_lets_the_job_finish()
    {
        var clock = new ManualTimeProvider();
        await using var outage = await UnreachableTableAsync(rows: 20);
        var delays = new BlockingCollection<TimeSpan>();
        await using var host = await ExportHost.StartAsync(
            directory,
            new Dictionary<string, ExposedTable> { ["users"] = outage.Table },
            jobs => new ExportOptions { JobDirectory = jobs, MaxAttempts = 3, TimeProvider = clock },
            beforeStart: service => service.RetryScheduled = delays.Add);
        var id = await host.SubmitAsync(new { table = "users", format = "csv" });
        Assert.True(delays.TryTake(out var first, TimeSpan.FromSeconds(30)));
        outage.Proxy.Restore();
        clock.Advance(first);
        using var status = await host.WaitEndedAsync(id);
        Assert.Equal("done", status.RootElement.GetProperty("state").GetString());
        Assert.Equal(20, status.RootElement.GetProperty("rows").GetInt64());
        Assert.Equal(2, status.RootElement.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task The_webhook_receives_the_finished_job()
    {
        var received = new BlockingCollection<string>();
        await using var receiver = await TestWebHost.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            received.Add(await new StreamReader(request.Body).ReadToEndAsync());
            return Results.Ok();
        }));
        using var client = new HttpClient();
        await using var host = await ExportHost.StartAsync(
            directory, Tables, notifiers: [new WebhookExportNotifier(client)], webhookHosts: new HashSet<string> { "127.0.0.1" });
        var id = await host.SubmitAsync(new { table = "users", notify = new { webhook = new Uri(receiver.Client.BaseAddress!, "/hook") } });
        Assert.True(received.TryTake(out var body, TimeSpan.FromSeconds(30)));
        using var notice = JsonDocument.Parse(body);
        Assert.Equal(id, notice.RootElement.GetProperty("id").GetString());
        Assert.Equal("done", notice.RootElement.GetProperty("state").GetString());
        Assert.Equal(50, notice.RootElement.GetProperty("rows").GetInt64());
        Assert.EndsWith($"/v1/exports/{id}/download", notice.RootElement.GetProperty("downloadUrl").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"table":"accounts"}""", "table")]
    [InlineData("""{"format":"csv"}""", "table")]
    [InlineData("""{"table":"users","format":"xlsx"}""", "format")]
    [InlineData("""{"table":"users","gzip":"yes"}""", "gzip")]
    [InlineData("""{"table":"users","filters":{"name":"x"}}""", "filters.name")]
    [InlineData("""{"table":"users","filters":{"created_at.gte":"soon"}}""", "filters.created_at.gte")]
    [InlineData("""{"table":"users","notify":{"webhook":"http://169.254.169.254/latest"}}""", "notify.webhook")]
    [InlineData("""{"table":"users","notify":{"email":"someone@example.com"}}""", "notify.email")]
    [InlineData("""{"table":"users","owner":"me"}""", "owner")]
    [InlineData("""[1,2]""", "$")]
    [InlineData("""{"table":""", "$")]
    [InlineData("""{"table":"users","table":"accounts"}""", "table")]
    [InlineData("""{"table":"users","filters":{"email":"a","email":"b"}}""", "filters.email")]
    [InlineData("""{"table":"users","notify":{"email":"a@example.com","email":"b@example.com"}}""", "notify.email")]
    [InlineData("""{"table":"\ud800"}""", "table")]
    [InlineData("""{"table":"users","\udc00":1}""", "$")]
    [InlineData("""{"table":"users","filters":{"email":"\ud800x"}}""", "filters.email")]
    [InlineData("""{"table":"users","notify":{"\ud800":"x"}}""", "notify")]
    public async Task A_bad_export_request_is_400_naming_the_member(string body, string member)
        => await AssertBadRequestAsync(System.Text.Encoding.UTF8.GetBytes(body), member);

    [Fact]
    public async Task Invalid_utf8_in_a_member_name_is_400_not_500()
        => await AssertBadRequestAsync([.. "{\"table\":\"users\",\""u8, 0xC3, 0x28, .. "\":1}"u8], "$", "UTF-8");

    [Fact]
    public async Task Invalid_utf8_in_a_value_is_400_not_500()
        => await AssertBadRequestAsync([.. "{\"table\":\"us"u8, 0xFF, .. "ers\"}"u8], "$", "UTF-8");

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("not-hex")]
    public async Task A_chunked_body_with_a_malformed_chunk_size_is_400_not_500(string chunkSize)
    {
        await using var host = await ExportHost.StartAsync(directory, Tables);
        var address = host.Client.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            "POST /v1/exports HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + $"{chunkSize}\r\n{{\"table\":\"users\"}}\r\n0\r\n\r\n"));
        using var reader = new StreamReader(stream);

        var status = await reader.ReadLineAsync();
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 400 ", status, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", rest, StringComparison.Ordinal);
        Assert.Contains("malformed", rest, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory, "jobs")));
    }

    private async Task AssertBadRequestAsync(byte[] body, string member, string? detail = null)
    {
        await using var host = await ExportHost.StartAsync(directory, Tables);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await host.Client.PostAsync("/v1/exports", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(member, out _), problem.RootElement.ToString());
        if (detail is not null)
        {
            Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory, "jobs")));
    }

    [Theory]
    [InlineData("PUT", "/v1/exports", "POST")]
    [InlineData("DELETE", "/v1/exports/0123456789abcdef0123456789abcdef", "GET")]
    [InlineData("POST", "/v1/exports/0123456789abcdef0123456789abcdef/download", "GET")]
    public async Task Another_method_is_a_405_problem_naming_the_allowed_one(string method, string path, string allowed)
    {
        await using var host = await ExportHost.StartAsync(directory, Tables);

        using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal([allowed], response.Content.Headers.Allow);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"{method} is not allowed here; use {allowed}.", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_export_is_404()
    {
        await using var host = await ExportHost.StartAsync(directory, Tables);
        using var response = await host.Client.GetAsync("/v1/exports/0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var download = await host.Client.GetAsync("/v1/exports/nope/download");
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
    }

    [Fact]
    public async Task A_file_expires_after_its_days_on_the_clock()
    {
        var clock = new ManualTimeProvider();
        await using var host = await ExportHost.StartAsync(
            directory, Tables, jobs => new ExportOptions { JobDirectory = jobs, ExpireAfter = TimeSpan.FromDays(2), TimeProvider = clock });
        var id = await host.SubmitAsync(new { table = "users" });
        (await host.WaitEndedAsync(id)).Dispose();
        var job = host.Service.Get(id)!;
        Assert.NotNull(await host.Store.HeadAsync("spillway-exports", job.ObjectKey));

        using var lifecycle = new DataLifecycle(host.Service, [], TimeSpan.FromHours(1), clock);
        var runs = new BlockingCollection<LifecycleResult>();
        lifecycle.RunCompleted = runs.Add;
        lifecycle.Start();
        Assert.True(runs.TryTake(out var early, TimeSpan.FromSeconds(30)));
        Assert.Equal(0, early.ExpiredExports);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.True(runs.TryTake(out early, TimeSpan.FromSeconds(30)));
        Assert.Equal(0, early.ExpiredExports);

        clock.Advance(TimeSpan.FromDays(2));
        Assert.True(runs.TryTake(out var late, TimeSpan.FromSeconds(30)));
        while (late.ExpiredExports == 0 && runs.TryTake(out var next, TimeSpan.FromSeconds(5)))
        {
            late = next;
        }

        Assert.Equal(1, late.ExpiredExports);
        Assert.Null(await host.Store.HeadAsync("spillway-exports", job.ObjectKey));
        using var status = await host.StatusAsync(id);
        Assert.Equal("expired", status.RootElement.GetProperty("state").GetString());
        using var download = await host.Client.GetAsync($"/v1/exports/{id}/download");
        Assert.Equal(HttpStatusCode.Gone, download.StatusCode);
    }

    private static async Task<Outage> UnreachableTableAsync(int rows = 0)
    {
        var url = await TestDatabases.CreatePostgresDatabaseAsync("out");
        var uri = new Uri(url);
        var proxy = new TcpFaultProxy(uri.Host, uri.Port);
        var through = new UriBuilder(uri) { Port = proxy.Port }.Uri.ToString();
        var options = new SqlSinkOptions { Name = "users", DatabaseUrl = through + "?connect_timeout=2" };
        var sink = SqlSinkFactory.Create(options);
        await sink.EnsureSchemaAsync();
        var records = Enumerable.Range(0, rows).Select(i => new SinkRecord(
            Guid.CreateVersion7(), System.Text.Encoding.UTF8.GetBytes($"{{\"name\":\"n{i}\",\"email\":\"n{i}@example.com\"}}"),
            DateTimeOffset.UtcNow)).ToList();
        await sink.WriteAsync(records);
        var reader = SqlSinkFactory.CreateReader(new TableReaderOptions { Sink = options });
        proxy.Fail();
        return new Outage(url, proxy, sink, new ExposedTable("users", reader, []));
    }

    private sealed record Outage(string Url, TcpFaultProxy Proxy, ISqlSink Sink, ExposedTable Table) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Table.Reader.DisposeAsync();
            await Sink.DisposeAsync();
            await Proxy.DisposeAsync();
            await TestDatabases.DropDatabaseAsync(Url);
        }
    }
}
