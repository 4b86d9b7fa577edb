using System.Text;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Aggregations.Tests;

public sealed class RunnerTests
{
    private const string Query =
        "SELECT device, COUNT(*) AS n, AVG(temp) AS avg_temp FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)";

    [Fact]
    public async Task A_runner_killed_mid_stream_resumes_from_its_checkpoint_and_its_results_equal_an_uninterrupted_run()
    {
        var readings = Reading.Generate(3_000, 12, seed: 5, jitterMs: 9_000);
        var directory = Path.Combine(Path.GetTempPath(), "spillway-agg-" + Guid.NewGuid().ToString("N"));
        var clock = new ManualTimeProvider(Reading.Start);
        await using var engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = directory, TimeProvider = clock });
        var stream = await engine.Streams.CreateAsync(new StreamDefinition { Name = "readings", ShardCount = 2 });
        var i = 0;
        foreach (var chunk in readings.Chunk(500))
        {
            await stream.PutAsync([.. chunk.Select(r => new StreamRecordInput(r.Json(isoTime: i++ % 2 == 0), r.Device))]);
        }

        var transport = new EmbeddedTransport(engine).Streams;
        var definition = AggregationSql.Parse(Query, "per_minute");
        var options = new AggregationRunnerOptions
        {
            TimeProvider = clock,
            ReadBatchSize = 100,
            CheckpointRecords = 400,
            RetryInitialDelay = TimeSpan.FromSeconds(1),
            RetryMaxDelay = TimeSpan.FromSeconds(1),
        };
        await using var whole = await ReferenceDatabase.CreateAsync();
        await using var crashed = await ReferenceDatabase.CreateAsync();
        try
        {
            await PostgresOutput.CreateTablesAsync(whole);
            await PostgresOutput.CreateTablesAsync(crashed);

            await RunToEndAsync(new PostgresOutput(whole.Data, "per_minute"));

            // Writes fail from the third on: the runner starts over from its checkpoint again and again, then is stopped
            // with its last write failing too, as a kill leaves it. A new runner takes over.
            var failing = new PostgresOutput(crashed.Data, "per_minute") { FailFrom = 3 };
            await using (var first = new AggregationRunner(definition, transport.OpenSource("readings"), failing, options))
            {
                await first.StartAsync();
                await AdvanceUntilAsync(() => failing.Writes >= 6);
                Assert.IsType<IOException>(first.LastError);
            }

            await RunToEndAsync(new PostgresOutput(crashed.Data, "per_minute"));

            var expected = await Results(whole);
            Assert.Equal(readings.Count, expected.Sum(r => (long)r[3]!) + (await whole.QueryAsync("SELECT * FROM late")).Count);
            Assert.Equal(expected.Select(Spell), (await Results(crashed)).Select(Spell));
            Assert.Equal(
                (await whole.QueryAsync("SELECT record_id FROM late ORDER BY 1")).Select(r => r[0]),
                (await crashed.QueryAsync("SELECT record_id FROM late ORDER BY 1")).Select(r => r[0]));
        }
        finally
        {
            await engine.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }

        async Task RunToEndAsync(PostgresOutput output)
        {
            await using var runner = new AggregationRunner(definition, transport.OpenSource("readings"), output, options);
            await runner.StartAsync();

            // Idle input: the clock moves on, the watermark follows it, and the last windows close.
            // Stopping writes what the last round emitted.
            await AdvanceUntilAsync(() => runner.Statistics is { OpenWindows: 0 } s && s.RecordsIn == readings.Count);
            await runner.StopAsync();
            Assert.Null(runner.LastError);
        }

        async Task AdvanceUntilAsync(Func<bool> done)
        {
            for (var step = 0; step < 2_000 && !done(); step++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(500));
                await Task.Delay(5);
            }

            Assert.True(done(), "the runner got there");
        }
    }

    private static Task<List<object?[]>> Results(ReferenceDatabase db) =>
        db.QueryAsync("SELECT device, window_start, window_end, n, avg_temp FROM results ORDER BY device, window_start");

    private static string Spell(object?[] row) => string.Join('|', row.Select(v => v is double d ? d.ToString("R") : v?.ToString()));
}
