using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Spillway.EndToEnd.Tests.Support;
using Spillway.Objects;
using Spillway.Objects.Local;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// SIGKILL during PutRecordBatch calls to a delivery stream that delivers as soon as records arrive, so kills land during
/// puts and during file writes alike; then restart and flush: every acknowledged record is in exactly one file.
/// </summary>
public sealed class FirehoseCrashRecoveryTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-firehose-crash-");

    [Fact]
    public async Task Every_acknowledged_record_is_in_exactly_one_file_across_sigkills()
    {
        const int cycles = 3;
        var dataDirectory = Path.Combine(work.FullName, "data");
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var attempted = new ConcurrentDictionary<string, bool>();
        var random = new Random(20261206);

        await using (var setup = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature()))
        {
            using var created = await FirehoseLoad.CallAsync(setup, "CreateDeliveryStream", new
            {
                DeliveryStreamName = "readings",
                ExtendedS3DestinationConfiguration = new
                {
                    RoleARN = "arn:aws:iam::000000000000:role/firehose",
                    BucketARN = "arn:aws:s3:::lake",
                    BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
                    ProcessingConfiguration = new { Enabled = true, Processors = new[] { new { Type = "AppendDelimiterToRecord" } } },
                },
            });
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var server = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
            await FirehoseLoad.PutUntilKilledAsync(server, "readings", cycle, random.Next(40, 120), r => r, attempted, acknowledged);
            await server.DisposeAsync();
        }

        await using (var final = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature()))
        {
            using var flushed = await final.Client.PostAsync("/v1/delivery-streams/readings/flush", null);
            Assert.Equal(HttpStatusCode.OK, flushed.StatusCode);
        }

        var lines = await ReadAllLines(new LocalObjectStore(Path.Combine(dataDirectory, "objects")), "lake");
        Assert.True(acknowledged.Count >= cycles * 40 * 20, $"only {acknowledged.Count} records were acknowledged");
        Assert.Equal(lines.Count, lines.Distinct().Count());
        Assert.Empty(acknowledged.Keys.Except(lines));
        Assert.All(lines, line => Assert.True(attempted.ContainsKey(line), $"{line} was never put"));
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task<List<string>> ReadAllLines(IObjectStore store, string bucket)
    {
        var lines = new List<string>();
        string? after = null;
        do
        {
            var page = await store.ListAsync(bucket, new ListRequest { StartAfter = after });
            foreach (var info in page.Objects)
            {
                await using var stored = await store.OpenReadAsync(bucket, info.Key);
                using var reader = new StreamReader(stored!.Content);
                lines.AddRange((await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }

            after = page.NextStartAfter;
        }
        while (after is not null);
        return lines;
    }
}
