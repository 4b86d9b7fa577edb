using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spillway.Bench.Support;

namespace Spillway.Bench.Stream;

/// <summary>
/// The Kinesis API of a <c>spillway serve</c> child process over HTTP, in the JSON 1.1 protocol the AWS CLI and boto3
/// send: producers call PutRecords with batches of up to 500, one reader per shard follows GetShardIterator
/// (TRIM_HORIZON) with GetRecords.
/// </summary>
internal sealed class KinesisApiContender : StreamContender
{
    private readonly ChildProcess server;
    private readonly DirectoryInfo work;
    private readonly AwsJsonClient client;
    private readonly int shards;
    private readonly int producers;
    private readonly int batchSize;

    private KinesisApiContender(ChildProcess server, DirectoryInfo work, Uri endpoint, int shards, int producers, int batchSize)
    {
        this.server = server;
        this.work = work;
        this.shards = shards;
        this.producers = producers;
        this.batchSize = batchSize;
        client = new AwsJsonClient(endpoint, producers + shards, "application/x-amz-json-1.1", "Kinesis_20131202.", "kinesis");
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
        client.Dispose();
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

    private Task<JsonDocument> CallAsync(string action, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
        => client.CallAsync(action, write, cancellationToken);
}
