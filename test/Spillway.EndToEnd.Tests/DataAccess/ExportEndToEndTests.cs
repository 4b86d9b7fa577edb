using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.DataAccess;

/// <summary>The real executable: ingest, read back, export with a mail through a real SMTP server, restart.</summary>
public sealed class ExportEndToEndTests : IDisposable
{
    private const string IngestKey = "ingest-key-e2e-0123456789";
    private const string ReadKey = "read-key-e2e-0123456789ab";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-export-");

    [Fact]
    public async Task Records_ingested_are_read_back_exported_mailed_and_still_there_after_a_restart()
    {
        var (smtpHost, smtpPort, maildir) = Maildir.Server();
        var database = await TestDatabase.CreateAsync("postgresql");
        var recipient = $"export-{Guid.NewGuid():N}@example.com";
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Gateway__ApiKeys__0"] = IngestKey,
            ["Spillway__Gateway__ReadApiKeys__0"] = ReadKey,
            ["Spillway__Exports__Smtp__Host"] = smtpHost,
            ["Spillway__Exports__Smtp__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Spillway__Exports__Smtp__From"] = "exports@example.com",
            ["Spillway__Exports__PublicBaseUrl"] = "https://spillway.example.com/",
        };
        var data = Path.Combine(work.FullName, "data");
        string id;
        await using (var server = await SpillwayProcess.StartAsync(data, ["--database", database.Url], environment))
        {
            var lines = string.Join("\n", Enumerable.Range(0, 1000).Select(i => $$"""{"name":"user{{i}}","email":"user{{i}}@example.com"}"""));
            using (var ingest = Request(HttpMethod.Post, "/submit", IngestKey, new StringContent(lines, Encoding.UTF8, "application/x-ndjson")))
            using (var accepted = await server.Client.SendAsync(ingest))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }

            // The read key reads and cannot ingest; the ingest key cannot read.
            using (var refused = await server.Client.SendAsync(Request(HttpMethod.Post, "/submit", ReadKey, new StringContent("{}", Encoding.UTF8, "application/json"))))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using (var refused = await server.Client.SendAsync(Request(HttpMethod.Get, "/v1/tables/users", IngestKey)))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            await WaitForRowsAsync(server, 1000);

            using var submit = Request(HttpMethod.Post, "/v1/exports", ReadKey, new StringContent(
                $$$"""{"table":"users","format":"csv","notify":{"email":"{{{recipient}}}"}}""", Encoding.UTF8, "application/json"));
            using var created = await server.Client.SendAsync(submit);
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            using (var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()))
            {
                id = body.RootElement.GetProperty("id").GetString()!;
            }

            var mail = await Maildir.WaitForAsync(maildir, TimeSpan.FromSeconds(60), "X-RcptTo: " + recipient);
            Assert.Contains("Subject: [Spillway] Your export of users is ready", mail, StringComparison.Ordinal);
            Assert.Contains($"https://spillway.example.com/v1/exports/{id}/download", mail, StringComparison.Ordinal);
            Assert.Contains("Rows:      1000", mail, StringComparison.Ordinal);

            using var download = await server.Client.SendAsync(Request(HttpMethod.Get, $"/v1/exports/{id}/download", ReadKey));
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            var csv = (await download.Content.ReadAsStringAsync()).Split("\r\n");
            Assert.Equal("id,name,email,created_at", csv[0]);
            Assert.Equal(1001, csv.Length - 1);
        }

        await using (var restarted = await SpillwayProcess.StartAsync(data, ["--database", database.Url], environment))
        {
            using var status = await restarted.Client.SendAsync(Request(HttpMethod.Get, $"/v1/exports/{id}", ReadKey));
            using var job = JsonDocument.Parse(await status.Content.ReadAsStringAsync());
            Assert.Equal("done", job.RootElement.GetProperty("state").GetString());
            Assert.Equal(1000, job.RootElement.GetProperty("rows").GetInt64());
        }
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task WaitForRowsAsync(SpillwayProcess server, int count)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var seen = 0;
            string? cursor = null;
            do
            {
                using var page = await server.Client.SendAsync(
                    Request(HttpMethod.Get, "/v1/tables/users?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor), ReadKey), cancel.Token);
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                using var body = JsonDocument.Parse(await page.Content.ReadAsStringAsync(cancel.Token));
                seen += body.RootElement.GetProperty("items").GetArrayLength();
                cursor = body.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            }
            while (cursor is not null);

            if (seen == count)
            {
                return;
            }

            await Task.Delay(100, cancel.Token);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }
}
