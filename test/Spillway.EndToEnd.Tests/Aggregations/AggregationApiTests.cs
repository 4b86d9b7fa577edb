using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Operations;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Aggregations;

/// <summary>
/// Aggregations on a real server: declared through <c>POST /v1/aggregations</c> in Flink's SQL, fed by a stream through
/// the Kinesis API, read back through the results API in keyset pages; quiet input closes the last windows; a SIGKILL
/// mid-stream leaves results equal to an uninterrupted run's; late records reach their queue.
/// </summary>
public sealed class AggregationApiTests : IDisposable
{
    private static readonly DateTimeOffset Base = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-aggregations-");

    [Fact]
    public async Task Per_minute_counts_survive_a_sigkill_mid_stream_and_equal_the_uninterrupted_result()
    {
        var dataDirectory = Path.Combine(work.FullName, "data");
        var readings = Readings(1200).ToList();
        var server = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await Call(server, "Kinesis_20131202.CreateStream", new { StreamName = "readings", ShardCount = 2 })).StatusCode);
            using (var created = await server.Client.PostAsync("/v1/aggregations", Body(new
            {
                name = "per-minute",
                sql = "SELECT device, COUNT(*) AS n, SUM(temp) AS total, MAX(temp) AS hottest, " +
                      "TUMBLE_START(ts, INTERVAL '1' MINUTE), TUMBLE_END(ts, INTERVAL '1' MINUTE) " +
                      "FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)",
                // Far longer than any pause of a loaded machine between puts: the windows close on event time alone, so
                // the run's results do not depend on how fast the records arrive.
                idleTimeout = "10m",
                maxOutOfOrderness = "0s",
            })))
            {
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            }

            using (var refused = await server.Client.PostAsync("/v1/aggregations", Body(new { name = "bad", sql = "SELECT device, COUNT(*) AS n FROM readings JOIN devices ON readings.device = devices.id GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)" })))
            {
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                var problem = await refused.Content.ReadAsStringAsync();
                Assert.True(problem.Contains("JOIN", StringComparison.OrdinalIgnoreCase), problem);
            }

            await PutAsync(server, readings.Take(700));
            await WaitForAsync(server, a => a.GetProperty("recordsIn").GetInt64() >= 300 && !a.GetProperty("lastCheckpointAt").ValueKind.Equals(JsonValueKind.Null));
            server.Kill();
            await server.DisposeAsync();

            server = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
            await PutAsync(server, readings.Skip(700));
            await EndOfInputAsync(server);
            var expected = readings
                .GroupBy(r => (r.Device, Minute: r.Time.ToUnixTimeSeconds() / 60))
                .ToDictionary(g => $"{g.Key.Device}@{DateTimeOffset.FromUnixTimeSeconds(g.Key.Minute * 60):yyyy-MM-ddTHH:mm}",
                    g => (N: g.LongCount(), Total: g.Sum(r => r.Temp), Hottest: g.Max(r => r.Temp)));

            var rows = await ResultsAsync(server, "per-minute", expected.Count);
            Assert.Equal(expected.Count, rows.Count);
            var status = JsonDocument.Parse(await server.Client.GetStringAsync("/v1/aggregations/per-minute")).RootElement;
            Assert.Equal(0, status.GetProperty("lateRecords").GetInt64());
            foreach (var row in rows)
            {
                var key = $"{row.GetProperty("device").GetString()}@{row.GetProperty("window_start").GetString()![..16]}";
                Assert.True(expected.TryGetValue(key, out var want), $"unexpected row {row}");
                Assert.Equal(want.N, row.GetProperty("n").GetInt64());
                Assert.Equal(want.Total, row.GetProperty("total").GetDouble(), 6);
                Assert.Equal(want.Hottest, row.GetProperty("hottest").GetDouble(), 6);
                Assert.Equal(
                    DateTimeOffset.Parse(row.GetProperty("window_start").GetString()!, System.Globalization.CultureInfo.InvariantCulture).AddMinutes(1),
                    DateTimeOffset.Parse(row.GetProperty("window_end").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            }

            // Records for windows closed long ago are late: counted, and kept in the late-records queue.
            await PutAsync(server, [new Reading("d-late", Base.AddMinutes(-30), 1.5)]);
            await WaitForAsync(server, a => a.GetProperty("lateRecords").GetInt64() >= 1);
            // The count moves when the record is read; the queue gets it with the next checkpoint.
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                JsonElement late;
                while ((late = JsonDocument.Parse(await server.Client.GetStringAsync("/v1/queues/per-minute-late/messages?limit=10", deadline.Token))
                    .RootElement.GetProperty("messages")).GetArrayLength() == 0)
                {
                    await Task.Delay(50, deadline.Token);
                }

                Assert.Contains("d-late", Assert.Single(late.EnumerateArray()).GetProperty("body").GetString(), StringComparison.Ordinal);
            }

            using (var deleted = await server.Client.DeleteAsync("/v1/aggregations/per-minute"))
            {
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }

            Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/v1/aggregations/per-minute")).StatusCode);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Rows_also_go_to_the_delivery_stream_and_the_topic_the_output_names()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: SpillwayProcess.AnySignature());
        Assert.Equal(HttpStatusCode.OK, (await Call(server, "Kinesis_20131202.CreateStream", new { StreamName = "readings", ShardCount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Call(server, "Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = "rows",
            ExtendedS3DestinationConfiguration = new
            {
                RoleARN = "arn:aws:iam::000000000000:role/f",
                BucketARN = "arn:aws:s3:::results",
                BufferingHints = new { SizeInMBs = 1, IntervalInSeconds = 900 },
                ProcessingConfiguration = new { Enabled = true, Processors = new[] { new { Type = "AppendDelimiterToRecord" } } },
            },
        })).StatusCode);
        using (var topic = await server.Client.PostAsync("/v1/topics", Body(new { name = "rows" })))
        using (var queue = await server.Client.PostAsync("/v1/queues", Body(new { name = "row-copies" })))
        using (var subscribed = await server.Client.PostAsync("/v1/topics/rows/subscriptions", Body(new { queue = "row-copies", rawMessageDelivery = true })))
        {
            Assert.True(subscribed.IsSuccessStatusCode, await subscribed.Content.ReadAsStringAsync());
        }

        using (var created = await server.Client.PostAsync("/v1/aggregations", Body(new
        {
            name = "counts",
            sql = "SELECT device, COUNT(*) AS n FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)",
            idleTimeout = "1s",
            maxOutOfOrderness = "0s",
            output = new { deliveryStream = "rows", topic = "rows", table = "device_counts" },
        })))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        await PutAsync(server, [new Reading("d1", Base.AddSeconds(58), 1), new Reading("d1", Base.AddSeconds(59), 2)]);
        await ResultsAsync(server, "counts", 1);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (JsonDocument.Parse(await server.Client.GetStringAsync("/v1/delivery-streams/rows", deadline.Token)).RootElement.GetProperty("incomingRecords").GetInt64() < 1)
        {
            await Task.Delay(50, deadline.Token);
        }

        using var flushed = await server.Client.PostAsync("/v1/delivery-streams/rows/flush", null);
        var key = JsonDocument.Parse(await flushed.Content.ReadAsStringAsync()).RootElement.GetProperty("files")[0].GetString()!;
        using var read = new HttpRequestMessage(HttpMethod.Get, "/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString)));
        read.Headers.Host = $"results.localhost:{server.BaseAddress.Port}";
        using var file = await server.Client.SendAsync(read);
        const string row = """{"device":"d1","window_start":"2026-01-01T10:00:00.000Z","window_end":"2026-01-01T10:01:00.000Z","n":2}""";
        Assert.Equal(row + "\n", await file.Content.ReadAsStringAsync());
        var copies = JsonDocument.Parse(await server.Client.GetStringAsync("/v1/queues/row-copies/messages?limit=10")).RootElement.GetProperty("messages");
        Assert.Equal(row, Assert.Single(copies.EnumerateArray()).GetProperty("body").GetString());

        var metrics = await MetricsTests.ScrapeAsync(server);
        Assert.Equal(2, metrics.Value("spillway_aggregations_records_in_total", ("aggregation", "counts")));
        Assert.Equal(1, metrics.Value("spillway_aggregations_rows_emitted_total", ("aggregation", "counts")));
        Assert.Equal(0, metrics.Value("spillway_aggregations_records_late_total", ("aggregation", "counts")));
        Assert.Equal(0, metrics.Value("spillway_aggregations_windows_open", ("aggregation", "counts")));
        Assert.True(metrics.Value("spillway_aggregations_watermark_lag_seconds", ("aggregation", "counts")) > 0);
        Assert.True(metrics.Value("spillway_aggregations_state_size_bytes", ("aggregation", "counts")) > 0);
    }

    public void Dispose() => work.Delete(recursive: true);

    private sealed record Reading(string Device, DateTimeOffset Time, double Temp);

    /// <summary>Readings of 7 devices over 6 minutes, in event-time order per device, interleaved across devices.</summary>
    private static IEnumerable<Reading> Readings(int count)
    {
        var random = new Random(19);
        for (var i = 0; i < count; i++)
        {
            yield return new Reading($"d{i % 7}", Base.AddMilliseconds(i * 300), Math.Round(random.NextDouble() * 40, 2));
        }
    }

    private static async Task PutAsync(SpillwayProcess server, IEnumerable<Reading> readings)
    {
        foreach (var batch in readings.Chunk(100))
        {
            using var put = await Call(server, "Kinesis_20131202.PutRecords", new
            {
                StreamName = "readings",
                Records = batch.Select(r => new
                {
                    Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { device = r.Device, ts = r.Time.ToString("O"), temp = r.Temp }))),
                    PartitionKey = r.Device,
                }),
            });
            Assert.Equal(0, JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("FailedRecordCount").GetInt32());
        }
    }

    /// <summary>One reading at 10:10 in each shard (the stream's two halves of the hash-key range): the watermark passes
    /// every window of the readings, which then close however long the server waits for more.</summary>
    private static async Task EndOfInputAsync(SpillwayProcess server)
    {
        using var put = await Call(server, "Kinesis_20131202.PutRecords", new
        {
            StreamName = "readings",
            Records = new[] { "0", "170141183460469231731687303715884105728" }.Select(hashKey => new
            {
                Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { device = "end", ts = Base.AddMinutes(10).ToString("O"), temp = 0 }))),
                PartitionKey = "end",
                ExplicitHashKey = hashKey,
            }),
        });
        Assert.Equal(0, JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("FailedRecordCount").GetInt32());
    }

    private static async Task WaitForAsync(SpillwayProcess server, Func<JsonElement, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!done(JsonDocument.Parse(await server.Client.GetStringAsync("/v1/aggregations/per-minute", deadline.Token)).RootElement))
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>Every row, page by page, once the aggregation has written <paramref name="expected"/> of them.</summary>
    private static async Task<List<JsonElement>> ResultsAsync(SpillwayProcess server, string name, int expected)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var rows = new List<JsonElement>();
        try
        {
            return await PollResultsAsync(server, name, expected, rows, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            var status = await server.Client.GetStringAsync($"/v1/aggregations/{name}");
            throw new TimeoutException($"{rows.Count} of {expected} rows after 60 s: {string.Join(' ', rows)}\nthe aggregation: {status}\nthe server:\n{server.Output}");
        }
    }

    private static async Task<List<JsonElement>> PollResultsAsync(SpillwayProcess server, string name, int expected, List<JsonElement> rows, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = new List<JsonElement>();
            string? after = null;
            do
            {
                var page = JsonDocument.Parse(await server.Client.GetStringAsync(
                    $"/v1/aggregations/{name}/results?limit=7" + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after)), cancellationToken)).RootElement;
                read.AddRange(page.GetProperty("rows").EnumerateArray().Select(r => r.Clone()));
                after = page.GetProperty("next").GetString();
            }
            while (after is not null);

            rows.Clear();
            rows.AddRange(read);
            if (rows.Count >= expected)
            {
                return rows;
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> Call(SpillwayProcess server, string target, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Add("X-Amz-Target", target);
        return server.Client.SendAsync(request);
    }
}
