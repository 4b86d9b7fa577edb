using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// A delivery stream that reads a Spillway stream (Firehose's KinesisStreamAsSource): every record of every shard ends
/// up in its files exactly once, across a SIGKILL while it reads, and it refuses puts as Firehose does.
/// </summary>
public sealed class FirehoseStreamSourceTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-firehose-source-");

    [Fact]
    public async Task Every_stream_record_is_in_exactly_one_file_across_a_sigkill_while_reading()
    {
        var dataDirectory = Path.Combine(work.FullName, "data");
        var server = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await Call(server, "Kinesis_20131202.CreateStream", new { StreamName = "readings", ShardCount = 3 })).StatusCode);
            var created = await Call(server, "Firehose_20150804.CreateDeliveryStream", new
            {
                DeliveryStreamName = "readings-files",
                DeliveryStreamType = "KinesisStreamAsSource",
                KinesisStreamSourceConfiguration = new
                {
                    KinesisStreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/readings",
                    RoleARN = "arn:aws:iam::000000000000:role/f",
                    StartingPosition = "TRIM_HORIZON",
                },
                ExtendedS3DestinationConfiguration = new
                {
                    RoleARN = "arn:aws:iam::000000000000:role/f",
                    BucketARN = "arn:aws:s3:::lake",
                    BufferingHints = new { SizeInMBs = 128, IntervalInSeconds = 900 },
                    ProcessingConfiguration = new { Enabled = true, Processors = new[] { new { Type = "AppendDelimiterToRecord" } } },
                },
            });
            Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());

            var refused = await Call(server, "Firehose_20150804.PutRecord", new
            {
                DeliveryStreamName = "readings-files",
                Record = new { Data = Convert.ToBase64String("x"u8.ToArray()) },
            });
            Assert.Contains("not permitted on KinesisStreamAsSource", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await PutReadingsAsync(server, 0, 600);

            // Killed while the reader is still taking the stream in: some of it is in the delivery stream's log, not all.
            await WaitForAsync(server, "incomingRecords", n => n >= 100);
            server.Kill();
            await server.DisposeAsync();

            server = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
            await PutReadingsAsync(server, 600, 300);
            await WaitForAsync(server, "bufferedRecords", n => n >= 900);
            using var flushed = await server.Client.PostAsync("/v1/delivery-streams/readings-files/flush", null);
            var keys = JsonDocument.Parse(await flushed.Content.ReadAsStringAsync()).RootElement.GetProperty("files")
                .EnumerateArray().Select(k => k.GetString()!).ToList();

            var lines = new List<string>();
            foreach (var key in keys)
            {
                using var read = new HttpRequestMessage(HttpMethod.Get, "/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString)));
                read.Headers.Host = $"lake.localhost:{server.BaseAddress.Port}";
                using var file = await server.Client.SendAsync(read);
                lines.AddRange((await file.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }

            Assert.Equal(900, lines.Count);
            Assert.Equal(Enumerable.Range(0, 900).Select(i => $"{{\"reading\":{i}}}"), lines.Order(StringComparer.Ordinal).OrderBy(l => l.Length));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task PutReadingsAsync(SpillwayProcess server, int first, int count)
    {
        for (var start = first; start < first + count; start += 100)
        {
            using var put = await Call(server, "Kinesis_20131202.PutRecords", new
            {
                StreamName = "readings",
                Records = Enumerable.Range(start, 100).Select(i => new
                {
                    Data = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"reading\":{i}}}")),
                    PartitionKey = "device-" + (i % 17),
                }),
            });
            var answer = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(0, answer.GetProperty("FailedRecordCount").GetInt32());
        }
    }

    private static async Task WaitForAsync(SpillwayProcess server, string counter, Func<long, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!done(JsonDocument.Parse(await server.Client.GetStringAsync("/v1/delivery-streams/readings-files", deadline.Token))
            .RootElement.GetProperty(counter).GetInt64()))
        {
            await Task.Delay(20, deadline.Token);
        }
    }

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
