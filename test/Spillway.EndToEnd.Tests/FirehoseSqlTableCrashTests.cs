using System.Collections.Concurrent;
using System.Net;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// SIGKILL during PutRecordBatch calls to a delivery stream that loads every buffer into a SQL table as soon as records
/// arrive, so kills land during puts and during loads alike; then restart and flush: every acknowledged record is in the
/// table exactly once.
/// </summary>
public sealed class FirehoseSqlTableCrashTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-firehose-table-");

    [Theory]
    [InlineData("postgresql")]
    [InlineData("mysql")]
    public async Task Every_acknowledged_record_is_one_row_across_sigkills(string provider)
    {
        const int cycles = 3;
        var database = await TestDatabase.CreateAsync(provider);
        var dataDirectory = Path.Combine(work.FullName, "data");
        var environment = SpillwayProcess.AnySignature();
        environment["Spillway__Sinks__warehouse__DatabaseUrl"] = database.Url;
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var attempted = new ConcurrentDictionary<string, bool>();
        var random = new Random(20261207);

        await using (var setup = await SpillwayProcess.StartAsync(dataDirectory, environment: environment))
        {
            using var created = await FirehoseLoad.CallAsync(setup, "CreateDeliveryStream", new
            {
                DeliveryStreamName = "readings",
                SqlTableDestinationConfiguration = new
                {
                    Database = "warehouse",
                    TableName = "readings",
                    Columns = new[] { new { Column = "record", Field = "r", Type = "text", MaxLength = 64, Required = true } },
                    BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 0 },
                    S3Configuration = new { RoleARN = "arn:aws:iam::000000000000:role/firehose", BucketARN = "arn:aws:s3:::failures" },
                },
            });
            Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        }

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var server = await SpillwayProcess.StartAsync(dataDirectory, environment: environment);
            await FirehoseLoad.PutUntilKilledAsync(server, "readings", cycle, random.Next(40, 120), r => $"{{\"r\":\"{r}\"}}", attempted, acknowledged);
            await server.DisposeAsync();
        }

        await using (var final = await SpillwayProcess.StartAsync(dataDirectory, environment: environment))
        {
            using var flushed = await final.Client.PostAsync("/v1/delivery-streams/readings/flush", null);
            Assert.Equal(HttpStatusCode.OK, flushed.StatusCode);
        }

        var rows = (await database.QueryAsync("select record from readings")).Select(r => r[0]).ToList();
        Assert.True(acknowledged.Count >= cycles * 40 * 20, $"only {acknowledged.Count} records were acknowledged");
        Assert.Equal(rows.Count, rows.Distinct().Count());
        Assert.Empty(acknowledged.Keys.Except(rows));
        Assert.All(rows, row => Assert.True(attempted.ContainsKey(row), $"{row} was never put"));
        Assert.False(Directory.Exists(Path.Combine(dataDirectory, "objects", "failures")), "no record should have failed");
    }

    public void Dispose() => work.Delete(recursive: true);
}
