using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Spillway.Bench.Support;

namespace Spillway.Bench.Stream;

/// <summary>
/// The Kinesis API of a <c>spillway serve</c> child process over HTTP, in the JSON 1.1 protocol the AWS CLI and boto3
/// send: producers call PutRecords with batches of up to 500, one reader per shard follows GetShardIterator
/// (TRIM_HORIZON) with GetRecords. Requests carry a well-formed but unchecked SigV4 header: the server has no
/// credentials configured, so it takes any signature, as the SQS benchmark's does.
/// </summary>
internal sealed class KinesisApiContender : StreamContender
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/x-amz-json-1.1");
    private readonly ChildProcess server;
    private readonly DirectoryInfo work;
    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly int shards;
    private readonly int producers;
    private readonly int batchSize;

    private KinesisApiContender(ChildProcess server, DirectoryInfo work, Uri endpoint, int shards, int producers, int batchSize)
    {
        this.server = server;
        this.work = work;
        this.endpoint = endpoint;
        this.shards = shards;
        this.producers = producers;
        this.batchSize = batchSize;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = producers + shards,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    public override string Name => "kinesis api";

    /// <summary>Starts a server with its defaults on a free loopback port, its data in <paramref name="directory"/>.</summary>
    public static async Task<KinesisApiContender> StartAsync(
        string directory, int shards, int producers, int batchSize, CancellationToken cancellationToken)
    {
        var work = Directory.CreateDirectory(Path.Combine(directory, "kinesis-api"));
        var baseAddress = new Uri($"http://127.0.0.1:{ChildProcess.FreePort()}");
        var server = ChildProcess.StartSelf(
            ["serve", "--urls", baseAddress.ToString(), "--data-dir", work.FullName, "--Logging:LogLevel:Default=Warning"]);
        await server.WaitHealthyAsync(baseAddress, TimeSpan.FromSeconds(60)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new KinesisApiContender(server, work, baseAddress, shards, producers, batchSize);
    }

    public override async Task<double> RunAsync(byte[] body, int records, CancellationToken cancellationToken)
    {
        var name = "bench-" + Guid.NewGuid().ToString("N");
        var data = Convert.ToBase64String(body);
        using (await CallAsync("CreateStream", w =>
        {
            w.WriteString("StreamName", name);
            w.WriteNumber("ShardCount", shards);
        }, cancellationToken).ConfigureAwait(false))
        {
        }

        try
        {
            var shardIds = await ActiveShardsAsync(name, cancellationToken).ConfigureAwait(false);
            using var finished = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var unread = new Unread(records, finished);
            var clock = Stopwatch.StartNew();
            var readers = shardIds.Select(shard => ReadAsync(name, shard, unread, finished.Token)).ToArray();
            var dealer = new BatchDealer(records, batchSize);
            await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => PutAsync(name, data, dealer, cancellationToken))).ConfigureAwait(false);
            await Task.WhenAll(readers).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            using (await CallAsync("DeleteStream", w => w.WriteString("StreamName", name), CancellationToken.None).ConfigureAwait(false))
            {
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        http.Dispose();
        await server.DisposeAsync().ConfigureAwait(false);
        work.Delete(recursive: true);
    }

    private async Task<string[]> ActiveShardsAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var description = await CallAsync("DescribeStream", w => w.WriteString("StreamName", name), cancellationToken)
                .ConfigureAwait(false);
            var stream = description.RootElement.GetProperty("StreamDescription");
            if (stream.GetProperty("StreamStatus").GetString() == "ACTIVE")
            {
                return [.. stream.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()!)];
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PutAsync(string name, string data, BatchDealer dealer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (dealer.TryTake(out var first, out var count))
        {
            using var answer = await CallAsync("PutRecords", w =>
            {
                w.WriteString("StreamName", name);
                w.WriteStartArray("Records");
                for (var i = 0; i < count; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("Data", data);
                    w.WriteString("PartitionKey", "device-" + (first + i).ToString(CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }, cancellationToken).ConfigureAwait(false);
            if (answer.RootElement.GetProperty("FailedRecordCount").GetInt32() > 0)
            {
                throw new InvalidOperationException("PutRecords failed records, with shard quotas off.");
            }
        }
    }

    private async Task ReadAsync(string name, string shardId, Unread unread, CancellationToken finished)
    {
        await Task.Yield();
        string? iterator;
        using (var started = await CallAsync("GetShardIterator", w =>
        {
            w.WriteString("StreamName", name);
            w.WriteString("ShardId", shardId);
            w.WriteString("ShardIteratorType", "TRIM_HORIZON");
        }, finished).ConfigureAwait(false))
        {
            iterator = started.RootElement.GetProperty("ShardIterator").GetString();
        }

        try
        {
            while (iterator is not null && !unread.IsEmpty)
            {
                using var page = await CallAsync("GetRecords", w =>
                {
                    w.WriteString("ShardIterator", iterator);
                    w.WriteNumber("Limit", 10_000);
                }, finished).ConfigureAwait(false);
                var count = page.RootElement.GetProperty("Records").GetArrayLength();
                iterator = page.RootElement.TryGetProperty("NextShardIterator", out var next) ? next.GetString() : null;
                if (count > 0)
                {
                    unread.Take(count);
                }
                else
                {
                    // A Kinesis consumer polls; the AWS SDKs' own loops wait between empty reads too.
                    await Task.Delay(10, finished).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested && unread.IsEmpty)
        {
            // The last record was read by another shard's reader.
        }
    }

    private async Task<JsonDocument> CallAsync(string action, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ReadOnlyMemoryContent(buffer.WrittenMemory) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202." + action);
        var now = DateTime.UtcNow;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential=bench/{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/us-east-1/kinesis/aws4_request, " +
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + new string('0', 64));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{action}: HTTP {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}", null, response.StatusCode);
        }

        return bytes.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(bytes);
    }
}
