using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Aggregations;

/// <summary>
/// An aggregation over a RabbitMQ stream with its results in PostgreSQL: the node is SIGKILLed while it aggregates, and
/// its successor resumes from the checkpoint committed with the results, so the table equals an uninterrupted run's.
/// </summary>
public sealed class AmqpAggregationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Base = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-amqp-aggregations-");
    private Uri broker = null!;
    private TestDatabase database = null!;

    public async Task InitializeAsync()
    {
        broker = await TestBroker.CreateVirtualHostAsync("e2e-aggregations");
        database = await TestDatabase.CreateAsync("postgresql");
    }

    public Task DisposeAsync()
    {
        work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Results_in_postgresql_equal_an_uninterrupted_run_after_a_sigkill_with_the_checkpoint_beside_them()
    {
        var node = await StartAsync("first");
        var readings = Enumerable.Range(0, 900).Select(i => (Device: $"d{i % 5}", Time: Base.AddMilliseconds(i * 400))).ToList();
        await PutAsync(node, readings.Take(500));
        await WaitForAsync(async () => await CountAsync("select count(*) from spillway_aggregation_checkpoints") > 0, "a first checkpoint");
        node.Kill();
        await node.DisposeAsync();

        await using var second = await StartAsync("second");
        await PutAsync(second, readings.Skip(500));
        // A reading at 10:10 from every device (so in every shard) moves the watermark past all the readings' windows:
        // they close on event time, however long a loaded machine pauses between puts.
        await PutAsync(second, readings.Select(r => r.Device).Distinct().Select(d => (d, Base.AddMinutes(10))));
        var expected = readings.GroupBy(r => (r.Device, r.Time.ToUnixTimeSeconds() / 60)).ToDictionary(
            g => $"{g.Key.Device} {DateTimeOffset.FromUnixTimeSeconds(g.Key.Item2 * 60).UtcDateTime:yyyy-MM-dd HH:mm}", g => (long)g.Count());
        await WaitForAsync(async () => await CountAsync("select count(*) from per_minute") == expected.Count, $"{expected.Count} result rows");
        await WaitForAsync(async () => await CountAsync("select coalesce(sum(n), 0) from per_minute") == readings.Count, "every reading counted once");

        var rows = await database.QueryAsync("select device, to_char(window_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), n from per_minute");
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), rows.Select(r => new KeyValuePair<string, long>(
            $"{r[0]} {r[1]}", long.Parse(r[2], CultureInfo.InvariantCulture))).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(1, await CountAsync("select count(*) from spillway_aggregation_checkpoints where owner = 'aggregation:per-minute'"));
    }

    /// <summary>A node of the documented device flow (docs/streams.md: the route /readings into the stream, a worker into
    /// the table readings) with the aggregation beside it, its results in the sink's PostgreSQL.</summary>
    private async Task<SpillwayProcess> StartAsync(string name)
    {
        var config = Path.Combine(work.FullName, "readings.json");
        await File.WriteAllTextAsync(config, StreamPipelineTests.DocumentedConfiguration());
        return await SpillwayProcess.StartAsync(
        Path.Combine(work.FullName, name),
        [
            "--config", config,
            "--transport", broker.ToString(),
            "--Spillway:Queues:per-minute-late:VisibilityTimeoutSeconds=30",
            $"--Spillway:Sinks:readings:DatabaseUrl={database.Url}",
            "--Spillway:Aggregations:per-minute:Sql=SELECT device, COUNT(*) AS n FROM readings GROUP BY device, TUMBLE(taken_at, INTERVAL '1' MINUTE)",
            "--Spillway:Aggregations:per-minute:IdleTimeout=10m",
            "--Spillway:Aggregations:per-minute:MaxOutOfOrderness=0s",
            "--Spillway:Aggregations:per-minute:Output:Database=readings",
            "--Spillway:Aggregations:per-minute:Output:Table=per_minute",
        ]);
    }

    private static async Task PutAsync(SpillwayProcess node, IEnumerable<(string Device, DateTimeOffset Time)> readings)
    {
        foreach (var batch in readings.Chunk(100))
        {
            var records = batch.Select(r => new { device = r.Device, temperature = 20.5, taken_at = r.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) });
            using var put = await node.Client.PostAsJsonAsync("/readings", records);
            Assert.True(put.StatusCode == HttpStatusCode.Accepted, await put.Content.ReadAsStringAsync());
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        try
        {
            return (await database.QueryAsync(sql)).Select(r => long.Parse(r[0], CultureInfo.InvariantCulture)).FirstOrDefault();
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P01")
        {
            return -1; // the table is not made yet
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
