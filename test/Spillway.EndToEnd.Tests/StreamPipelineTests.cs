using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests;

/// <summary>The documented device flow (docs/streams.md, run as written): ingest into a stream, a stream worker writing a
/// table, the read API over it, across SIGKILLs during puts and during the worker's batches.</summary>
public sealed partial class StreamPipelineTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-streams-");

    [Fact]
    public async Task The_documented_device_flow_keeps_every_acknowledged_reading_once_across_sigkills()
    {
        const int cycles = 3;
        var config = Path.Combine(work.FullName, "readings.json");
        await File.WriteAllTextAsync(config, DocumentedConfiguration());
        var dataDirectory = Path.Combine(work.FullName, "data");
        var acknowledged = new ConcurrentDictionary<string, byte>();
        var random = new Random(20261205);

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var server = await SpillwayProcess.StartAsync(dataDirectory, ["--config", config]);
            var killAfter = random.Next(300, 1500);
            var sent = 0;
            var clients = Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    var takenAt = Stamp(cycle, client, i);
                    var batch = Enumerable.Range(0, 5).Select(k => new { device = $"sensor-{client}", temperature = 20.5 + k, taken_at = takenAt + k }).ToArray();
                    try
                    {
                        using var response = await server.Client.PostAsJsonAsync("/readings", batch);
                        if (response.StatusCode != HttpStatusCode.Accepted)
                        {
                            continue;
                        }

                        foreach (var reading in batch)
                        {
                            acknowledged[reading.taken_at] = 0;
                        }

                        if (Interlocked.Increment(ref sent) == killAfter / 5)
                        {
                            // The worker is writing the table all along: this cuts its batches short as well as the puts.
                            server.Kill();
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return;
                    }
                }
            })).ToArray();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));
            await server.DisposeAsync();
        }

        await using var final = await SpillwayProcess.StartAsync(dataDirectory, ["--config", config]);
        var rows = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            rows = await ReadTableAsync(final.Client);
            if (acknowledged.Keys.All(rows.ToHashSet().Contains) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(acknowledged.Count >= cycles * 300, $"only {acknowledged.Count} readings were acknowledged");
        var missing = acknowledged.Keys.Except(rows).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged readings are missing, e.g. {string.Join(", ", missing.Take(5))}");
        var doubled = rows.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} readings have more than one row, e.g. {string.Join(", ", doubled.Take(5))}");
    }

    [Fact]
    public async Task A_reading_without_its_partition_key_is_a_400_naming_the_field_and_nothing_is_stored()
    {
        var config = Path.Combine(work.FullName, "readings.json");
        await File.WriteAllTextAsync(config, DocumentedConfiguration());
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), ["--config", config]);

        using var refused = await server.Client.PostAsJsonAsync("/readings", new object[]
        {
            new { device = "sensor-1", temperature = 20.0, taken_at = "a" },
            new { temperature = 21.0, taken_at = "b" },
        });
        using var accepted = await server.Client.PostAsJsonAsync("/readings", new { device = "sensor-1", temperature = 22.0, taken_at = "c" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("/1/device", out _), problem.RootElement.ToString());
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        using var answer = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync());
        Assert.StartsWith("shardId-", answer.RootElement.GetProperty("shardId").GetString(), StringComparison.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<string> rows;
        while ((rows = await ReadTableAsync(server.Client)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(["c"], rows);
    }

    [Theory]
    [InlineData("Workers:readings-to-table:ParallelizationFactor", "11")]
    [InlineData("Workers:readings-to-table:BatchSize", "10001")]
    [InlineData("Workers:readings-to-table:MaximumRetryAttempts", "-2")]
    [InlineData("Workers:readings-to-table:MaximumRecordAgeSeconds", "59")]
    [InlineData("Workers:readings-to-table:StartingPosition", "OLDEST")]
    [InlineData("Workers:readings-to-table:OnFailureQueue", "missing")]
    [InlineData("Workers:readings-to-table:Stream", "missing")]
    [InlineData("Routes:readings:Stream", "missing")]
    [InlineData("Streams:readings:RetentionHours", "23")]
    [InlineData("Streams:readings:Mode", "sometimes")]
    public async Task A_bad_stream_setting_stops_start_up_naming_its_key(string key, string value)
    {
        var config = Path.Combine(work.FullName, "readings.json");
        await File.WriteAllTextAsync(config, DocumentedConfiguration());

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
        [
            "serve", "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}", "--data-dir", work.FullName, "--config", config,
            $"--Spillway:{key}={value}",
        ]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Spillway:" + key, output, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);

    // A unique, sortable label per reading; what the test follows from POST to row.
    private static string Stamp(int cycle, int client, int i) =>
        string.Create(CultureInfo.InvariantCulture, $"c{cycle}-{client:D2}-{i:D6}-");

    private static async Task<List<string>> ReadTableAsync(HttpClient client)
    {
        var values = new List<string>();
        string? cursor = null;
        do
        {
            using var response = await client.GetAsync("/v1/tables/readings?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return values;
            }

            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            values.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("taken_at").GetString()!));
            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return values;
    }

    // The first JSON block of docs/streams.md, exactly as users read it.
    internal static string DocumentedConfiguration()
    {
        var page = File.ReadAllText(Path.Combine(SpillwayPaths.RepositoryRoot, "docs", "streams.md"));
        return JsonBlock().Match(page).Groups[1].Value;
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
