using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Aggregations;

/// <summary>
/// An aggregation over what a queue and a topic feed into its stream: a worker whose handler is <c>stream</c> moves the
/// queue's messages into it (keyed by a body field), a <c>kinesis</c> subscription puts the topic's messages into it
/// (keyed by the <c>PartitionKey</c> attribute), and the aggregation counts both.
/// </summary>
public sealed class AggregationSourceTests : IDisposable
{
    private static readonly DateTimeOffset Base = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-aggregation-sources-");

    [Fact]
    public async Task A_queue_and_a_topic_feed_the_stream_an_aggregation_reads()
    {
        await using var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"),
            [
                "--Spillway:Streams:readings:ShardCount=2",
                "--Spillway:Queues:readings-in:VisibilityTimeoutSeconds=30",
                "--Spillway:Workers:readings-feed:Queue=readings-in",
                "--Spillway:Workers:readings-feed:Handler:Kind=stream",
                "--Spillway:Workers:readings-feed:Handler:Stream=readings",
                "--Spillway:Workers:readings-feed:Handler:PartitionKeyField=device",
                "--Spillway:Aggregations:per-minute:Sql=SELECT device, COUNT(*) AS n FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)",
                "--Spillway:Aggregations:per-minute:IdleTimeout=10m",
                "--Spillway:Aggregations:per-minute:MaxOutOfOrderness=0s",
            ],
            SpillwayProcess.AnySignature());

        var topic = SnsQuery.Value(await SnsQuery.CallAsync(server, "CreateTopic", ("Name", "readings-topic")), "TopicArn");
        using (var refused = await SnsQuery.SendAsync(server, "Subscribe", ("TopicArn", topic), ("Protocol", "kinesis"), ("Endpoint", "arn:aws:kinesis:us-east-1:000000000000:readings")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("Kinesis stream ARN", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var subscription = SnsQuery.Value(await SnsQuery.CallAsync(
            server, "Subscribe", ("TopicArn", topic), ("Protocol", "kinesis"), ("Endpoint", "arn:aws:kinesis:us-east-1:000000000000:stream/readings"),
            ("Attributes.entry.1.key", "RawMessageDelivery"), ("Attributes.entry.1.value", "true")), "SubscriptionArn");
        Assert.StartsWith(topic + ":", subscription, StringComparison.Ordinal);

        using (var sent = await AwsAsync(server, "application/x-amz-json-1.0", "AmazonSQS.SendMessageBatch", new
        {
            QueueUrl = new Uri(server.BaseAddress, "/000000000000/readings-in").ToString(),
            Entries = Enumerable.Range(0, 6).Select(i => new { Id = $"m{i}", MessageBody = Reading("d1", Base.AddSeconds(i)) }),
        }))
        {
            Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
        }

        for (var i = 0; i < 4; i++)
        {
            await SnsQuery.CallAsync(
                server, "Publish", ("TopicArn", topic), ("Message", Reading("d2", Base.AddSeconds(10 + i))),
                ("MessageAttributes.entry.1.Name", "PartitionKey"), ("MessageAttributes.entry.1.Value.DataType", "String"),
                ("MessageAttributes.entry.1.Value.StringValue", "d2"));
        }

        // The stream holds all ten, each under its device as the partition key.
        var kept = await WaitForRecordsAsync(server, 10);
        Assert.All(kept, r => Assert.Contains($"\"device\":\"{r.PartitionKey}\"", r.Data, StringComparison.Ordinal));
        Assert.Equal(6, kept.Count(r => r.PartitionKey == "d1"));
        Assert.Equal(4, kept.Count(r => r.PartitionKey == "d2"));

        // A reading at 10:10 in each shard moves the watermark past 10:01: the readings' window closes.
        using (var end = await AwsAsync(server, "application/x-amz-json-1.1", "Kinesis_20131202.PutRecords", new
        {
            StreamName = "readings",
            Records = new[] { "0", "170141183460469231731687303715884105728" }.Select(hashKey => new
            {
                Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Reading("end", Base.AddMinutes(10)))),
                PartitionKey = "end",
                ExplicitHashKey = hashKey,
            }),
        }))
        {
            Assert.True(end.IsSuccessStatusCode, await end.Content.ReadAsStringAsync());
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        JsonElement rows;
        while ((rows = JsonDocument.Parse(await server.Client.GetStringAsync("/v1/aggregations/per-minute/results", deadline.Token))
            .RootElement.GetProperty("rows")).GetArrayLength() < 2)
        {
            await Task.Delay(50, deadline.Token);
        }

        Assert.Equal(
            ["d1 2026-01-01T10:00:00.000Z 6", "d2 2026-01-01T10:00:00.000Z 4"],
            rows.EnumerateArray().Select(r => $"{r.GetProperty("device").GetString()} {r.GetProperty("window_start").GetString()} {r.GetProperty("n").GetInt64()}")
                .Order(StringComparer.Ordinal));
    }

    public void Dispose() => work.Delete(recursive: true);

    private static string Reading(string device, DateTimeOffset time) =>
        JsonSerializer.Serialize(new { device, ts = time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>Every record of every shard of the stream once it holds <paramref name="count"/>, read through the Kinesis API.</summary>
    private static async Task<List<(string PartitionKey, string Data)>> WaitForRecordsAsync(SpillwayProcess server, int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var records = new List<(string, string)>();
            foreach (var shard in (await KinesisAsync(server, "ListShards", new { StreamName = "readings" })).GetProperty("Shards").EnumerateArray())
            {
                var iterator = (await KinesisAsync(server, "GetShardIterator", new
                {
                    StreamName = "readings",
                    ShardId = shard.GetProperty("ShardId").GetString(),
                    ShardIteratorType = "TRIM_HORIZON",
                })).GetProperty("ShardIterator").GetString();
                var page = await KinesisAsync(server, "GetRecords", new { ShardIterator = iterator, Limit = 100 });
                records.AddRange(page.GetProperty("Records").EnumerateArray().Select(r => (
                    r.GetProperty("PartitionKey").GetString()!,
                    Encoding.UTF8.GetString(Convert.FromBase64String(r.GetProperty("Data").GetString()!)))));
            }

            if (records.Count >= count)
            {
                return records;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    private static async Task<JsonElement> KinesisAsync(SpillwayProcess server, string action, object body)
    {
        using var response = await AwsAsync(server, "application/x-amz-json-1.1", "Kinesis_20131202." + action, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpResponseMessage> AwsAsync(SpillwayProcess server, string contentType, string target, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        request.Headers.Add("X-Amz-Target", target);
        return await server.Client.SendAsync(request);
    }

}
