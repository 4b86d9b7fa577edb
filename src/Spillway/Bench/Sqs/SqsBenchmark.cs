using System.Diagnostics;
using Spillway.Bench.Support;

namespace Spillway.Bench.Sqs;

/// <summary>Figures of one SQS API run.</summary>
/// <param name="MessagesPerSecond">Messages sent (SendMessageBatch), received and deleted (DeleteMessageBatch) per second
/// with senders and receivers concurrent: the counterpart of RabbitMQ's publish + consume + ack figure.</param>
/// <param name="SendOnlyPerSecond">Messages per second of SendMessageBatch with no receiver running.</param>
/// <param name="DrainPerSecond">Messages per second received and deleted from the backlog the send-only phase left.</param>
/// <param name="P99SendBatchMilliseconds">99th percentile SendMessageBatch round trip in the concurrent phase.</param>
public sealed record SqsBenchmarkResult(
    double MessagesPerSecond, double SendOnlyPerSecond, double DrainPerSecond, double P99SendBatchMilliseconds);

/// <summary>
/// The SQS API over HTTP, measured as the RabbitMQ baseline is: a warm-up, senders and receivers together (the headline),
/// then send alone, then drain alone, each phase on the same fresh standard queue.
/// </summary>
public static class SqsBenchmark
{
    private const int WarmUpMessages = 20_000;
    private const int BatchSize = 10;
    private const int WaitSeconds = 1;

    public static async Task<SqsBenchmarkResult> RunAsync(
        SqsBenchmarkOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        if (options.Endpoint is { } endpoint)
        {
            return await MeasureAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        }

        var work = options.DataDirectory is { } given
            ? Directory.CreateDirectory(Path.Combine(given, "bench-sqs-" + Guid.NewGuid().ToString("N")))
            : Directory.CreateTempSubdirectory("spillway-bench-sqs-");
        try
        {
            var baseAddress = new Uri($"http://127.0.0.1:{ChildProcess.FreePort()}");
            await using var server = ChildProcess.StartSelf(
                ["serve", "--urls", baseAddress.ToString(), "--data-dir", work.FullName, "--Logging:LogLevel:Default=Warning"]);
            await server.WaitHealthyAsync(baseAddress, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            try
            {
                return await MeasureAsync(baseAddress, options, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
                await output.WriteLineAsync("server output:\n" + server.Output).ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<SqsBenchmarkResult> MeasureAsync(
        Uri endpoint, SqsBenchmarkOptions options, CancellationToken cancellationToken)
    {
        using var client = new SqsJsonClient(endpoint, options.Senders + options.Receivers);
        var queueName = "bench-" + Guid.NewGuid().ToString("N")[..16];
        var queueUrl = await client.CreateQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        var body = new string('x', options.BodyBytes);
        try
        {
            var warmUp = Math.Min(options.Messages, WarmUpMessages);
            await SendAsync(client, queueUrl, body, warmUp, options.Senders, null, cancellationToken).ConfigureAwait(false);
            await DrainAsync(client, queueUrl, warmUp, options.Receivers, Stopwatch.StartNew(), cancellationToken).ConfigureAwait(false);

            // Phase 1: receivers polling before the senders start, as the RabbitMQ baseline attaches its consumers first.
            var latencies = new double[(options.Messages + BatchSize - 1) / BatchSize];
            var clock = Stopwatch.StartNew();
            var drained = DrainAsync(client, queueUrl, options.Messages, options.Receivers, clock, cancellationToken);
            await SendAsync(client, queueUrl, body, options.Messages, options.Senders, latencies, cancellationToken).ConfigureAwait(false);
            var concurrentSeconds = await drained.ConfigureAwait(false);

            // Phase 2: send alone, then drain alone.
            clock.Restart();
            await SendAsync(client, queueUrl, body, options.Messages, options.Senders, null, cancellationToken).ConfigureAwait(false);
            var sendSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var drainSeconds = await DrainAsync(client, queueUrl, options.Messages, options.Receivers, clock, cancellationToken)
                .ConfigureAwait(false);

            Array.Sort(latencies);
            return new SqsBenchmarkResult(
                options.Messages / concurrentSeconds,
                options.Messages / sendSeconds,
                options.Messages / drainSeconds,
                latencies[(int)(latencies.Length * 0.99)]);
        }
        finally
        {
            // Not the caller's token: a cancelled run must still leave no queue behind.
            await client.DeleteQueueAsync(queueUrl, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task SendAsync(
        SqsJsonClient client, string queueUrl, string body, int total, int senders, double[]? latencies,
        CancellationToken cancellationToken)
    {
        var batches = (total + BatchSize - 1) / BatchSize;
        var next = -1;
        var tasks = Enumerable.Range(0, senders).Select(async _ =>
        {
            await Task.Yield();
            int batch;
            while ((batch = Interlocked.Increment(ref next)) < batches)
            {
                var count = Math.Min(BatchSize, total - (batch * BatchSize));
                var started = Stopwatch.GetTimestamp();
                await client.SendBatchAsync(queueUrl, body, count, cancellationToken).ConfigureAwait(false);
                if (latencies is not null)
                {
                    latencies[batch] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>
    /// Receives and deletes until <paramref name="total"/> messages are deleted; returns <paramref name="clock"/>'s
    /// seconds when the last delete was answered. Then waits, untimed, for the receivers still in a long poll, so none
    /// takes a message of the next phase.
    /// </summary>
    private static async Task<double> DrainAsync(
        SqsJsonClient client, string queueUrl, int total, int receivers, Stopwatch clock, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, receivers).Select(async _ =>
        {
            await Task.Yield();
            while (Volatile.Read(ref deleted) < total)
            {
                var count = await client.ReceiveAndDeleteAsync(queueUrl, WaitSeconds, cancellationToken).ConfigureAwait(false);
                if (count > 0 && Interlocked.Add(ref deleted, count) >= total)
                {
                    done.TrySetResult();
                }
            }
        }).ToArray();
        var all = Task.WhenAll(tasks);
        await Task.WhenAny(done.Task, all).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        await all.ConfigureAwait(false);
        return seconds;
    }
}
