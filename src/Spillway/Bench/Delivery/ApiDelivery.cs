using System.Diagnostics;
using Spillway.Bench.Support;

namespace Spillway.Bench.Delivery;

/// <summary>
/// The Firehose API of a <c>spillway serve</c> child process with its defaults: a delivery stream with Firehose's default
/// hints and a newline after each record, producers calling PutRecordBatch (base64 in JSON 1.1, as the CLI and boto3
/// send it) with 500 records each, and the run ending when <c>POST /v1/delivery-streams/{name}/flush</c> answers that the
/// last file is stored.
/// </summary>
internal sealed class ApiDelivery : DeliveryContender
{
    private readonly ChildProcess server;
    private readonly Uri baseAddress;
    private readonly AwsJsonClient client;
    private readonly HttpClient admin;
    private readonly int producers;
    private readonly int batchSize;

    private ApiDelivery(ChildProcess server, Uri baseAddress, bool gzip, int producers, int batchSize)
        : base(gzip ? "api gzip" : "api", gzip)
    {
        this.server = server;
        this.baseAddress = baseAddress;
        this.producers = producers;
        this.batchSize = batchSize;
        client = new AwsJsonClient(baseAddress, producers, "application/x-amz-json-1.1", "Firehose_20150804.", "firehose");
        admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>Starts a server with its defaults on a free loopback port, its data in <paramref name="directory"/>.</summary>
    public static async Task<ApiDelivery> StartAsync(string directory, bool gzip, int producers, int batchSize, CancellationToken cancellationToken)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{ChildProcess.FreePort()}");
        var server = ChildProcess.StartSelf(
            ["serve", "--urls", baseAddress.ToString(), "--data-dir", directory, "--Logging:LogLevel:Default=Warning"]);
        await server.WaitHealthyAsync(baseAddress, TimeSpan.FromSeconds(60)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new ApiDelivery(server, baseAddress, gzip, producers, batchSize);
    }

    public override async Task<double> RunAsync(byte[] input, int recordLength, CancellationToken cancellationToken)
    {
        var name = "bench-" + Guid.NewGuid().ToString("N");
        using (await client.CallAsync("CreateDeliveryStream", w =>
        {
            w.WriteString("DeliveryStreamName", name);
            w.WriteStartObject("ExtendedS3DestinationConfiguration");
            w.WriteString("RoleARN", "arn:aws:iam::000000000000:role/bench");
            w.WriteString("BucketARN", "arn:aws:s3:::bench");
            w.WriteString("CompressionFormat", Compressed ? "GZIP" : "UNCOMPRESSED");
            w.WriteStartObject("ProcessingConfiguration");
            w.WriteBoolean("Enabled", true);
            w.WriteStartArray("Processors");
            w.WriteStartObject();
            w.WriteString("Type", "AppendDelimiterToRecord");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false))
        {
        }

        try
        {
            var records = input.Length / (recordLength + 1);
            var next = -batchSize;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
            {
                int first;
                while ((first = Interlocked.Add(ref next, batchSize)) < records)
                {
                    var count = Math.Min(batchSize, records - first);
                    using var answer = await client.CallAsync("PutRecordBatch", w =>
                    {
                        w.WriteString("DeliveryStreamName", name);
                        w.WriteStartArray("Records");
                        for (var i = 0; i < count; i++)
                        {
                            w.WriteStartObject();
                            w.WriteBase64String("Data", input.AsSpan((first + i) * (recordLength + 1), recordLength));
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    }, cancellationToken).ConfigureAwait(false);
                    if (answer.RootElement.GetProperty("FailedPutCount").GetInt32() > 0)
                    {
                        throw new InvalidOperationException("PutRecordBatch failed records.");
                    }
                }
            }, cancellationToken))).ConfigureAwait(false);
            using var flushed = await admin.PostAsync(new Uri($"/v1/delivery-streams/{name}/flush", UriKind.Relative), null, cancellationToken)
                .ConfigureAwait(false);
            flushed.EnsureSuccessStatusCode();
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            using (await client.CallAsync("DeleteDeliveryStream", w => w.WriteString("DeliveryStreamName", name), CancellationToken.None)
                .ConfigureAwait(false))
            {
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        client.Dispose();
        admin.Dispose();
        await server.DisposeAsync().ConfigureAwait(false);
    }

    public override string ToString() => baseAddress.ToString();
}
