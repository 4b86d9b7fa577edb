using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Spillway.EndToEnd.Tests.Support;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// The documented device flow on RabbitMQ streams with PostgreSQL: a gateway node puts readings while a worker node's
/// stream consumer writes them through the SQL sink, and the worker is SIGKILLed mid-batch again and again. Its
/// checkpoints live in the sink's database, committed with the rows they cover, so every acknowledged reading is in the
/// table once and each shard's checkpoint ends on the shard's last record.
/// </summary>
public sealed class AmqpStreamCheckpointTests : IAsyncLifetime
{
    private const string Consumer = "readings-to-table";

    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-amqp-streams-");
    private readonly List<SpillwayProcess> nodes = [];
    private Uri broker = null!;
    private TestDatabase database = null!;
    private string config = null!;

    public async Task InitializeAsync()
    {
        broker = await TestBroker.CreateVirtualHostAsync("e2e-ckpt");
        database = await TestDatabase.CreateAsync("postgresql");
        config = Path.Combine(work.FullName, "readings.json");
        await File.WriteAllTextAsync(config, StreamPipelineTests.DocumentedConfiguration());
    }

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        work.Delete(recursive: true);
    }

    [Fact]
    public async Task Stream_worker_sigkilled_mid_batch_again_and_again_keeps_every_acknowledged_reading_once_and_checkpoints_with_the_rows()
    {
        const int kills = 3;
        var gateway = await StartNodeAsync("gateway", "gateway");
        var acknowledged = new ConcurrentDictionary<string, byte>();
        using var ingest = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var i = 0; !ingest.IsCancellationRequested; i++)
            {
                var readings = Enumerable.Range(0, 5)
                    .Select(k => new { device = $"sensor-{client}", temperature = 20.5 + k, taken_at = Stamp(client, i, k) })
                    .ToArray();
                try
                {
                    using var response = await gateway.Client.PostAsJsonAsync("/readings", readings, ingest.Token);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        foreach (var reading in readings)
                        {
                            acknowledged[reading.taken_at] = 0;
                        }
                    }
                }
                catch (OperationCanceledException) when (ingest.IsCancellationRequested)
                {
                    return;
                }
            }
        })).ToArray();

        for (var kill = 0; kill < kills; kill++)
        {
            var worker = await StartNodeAsync($"worker-{kill}", "worker");
            var before = await RowCountAsync();

            // Readings keep coming, so a worker that has just written rows is in the middle of its next batches.
            await WaitForAsync(async () => await RowCountAsync() >= before + 400, "the worker wrote 400 more rows");
            worker.Kill();
        }

        var last = await StartNodeAsync("worker-last", "worker");
        var beforeLast = await RowCountAsync();
        await WaitForAsync(async () => await RowCountAsync() >= beforeLast + 400, "the last worker wrote 400 more rows");
        await ingest.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(acknowledged.Count >= 2_000, $"only {acknowledged.Count} readings were acknowledged");
        await WaitForAsync(
            async () => (await TakenAtAsync()).ToHashSet().IsSupersetOf(acknowledged.Keys), "every acknowledged reading in the table");
        var rows = await TakenAtAsync();
        var doubled = rows.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} readings have more than one row, e.g. {string.Join(", ", doubled.Take(5))}");

        // Each shard's offsets run from 0 without a gap, so checkpoints on every shard's last record cover as many
        // records as the table has rows: none passed over, none short.
        await WaitForAsync(async () => CoveredRecords(await CheckpointsAsync()) == rows.Count, "checkpoints on every shard's last record");
        var checkpoints = await CheckpointsAsync();
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], checkpoints.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(rows.Count, CoveredRecords(checkpoints));
        Assert.False(last.HasExited);
    }

    private async Task<SpillwayProcess> StartNodeAsync(string name, string role)
    {
        var node = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, name),
            ["--config", config, "--transport", broker.ToString(), "--role", role, $"--Spillway:Sinks:readings:DatabaseUrl={database.Url}"]);
        nodes.Add(node);
        return node;
    }

    private async Task<long> RowCountAsync() =>
        (await database.QueryAsync("select count(*) from readings")).Select(r => long.Parse(r[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    private async Task<List<string>> TakenAtAsync() => [.. (await database.QueryAsync("select taken_at from readings")).Select(r => r[0])];

    private async Task<Dictionary<string, string>> CheckpointsAsync() =>
        (await database.QueryAsync(
            $"select shard, sequence_number from spillway_stream_checkpoints where consumer = '{Consumer}' and stream = 'readings'"))
        .ToDictionary(r => r[0], r => r[1], StringComparer.Ordinal);

    // A sequence number is "49", the stream offset in 20 digits and the shard in 6: offset + 1 records up to it.
    private static long CoveredRecords(Dictionary<string, string> checkpoints) =>
        checkpoints.Values.Sum(sequence => long.Parse(sequence.AsSpan(2, 20), CultureInfo.InvariantCulture) + 1);

    private static string Stamp(int client, int i, int k) => string.Create(CultureInfo.InvariantCulture, $"{client:D2}-{i:D6}-{k}");

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
