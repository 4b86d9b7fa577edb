using System.Diagnostics;
using Spillway.Messaging;

namespace Spillway.Bench.Queue;

/// <summary>What <see cref="QueueBenchmark.RunAsync"/> measures.</summary>
public sealed record QueueBenchmarkOptions
{
    /// <summary>Empty directory for the benchmark's engine. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Messages sent, received and deleted. Defaults to 200,000.</summary>
    public int Messages { get; init; } = 200_000;

    /// <summary>
    /// Concurrent senders, each sending one message per call and waiting for it to be durable (the HTTP ingest pattern:
    /// a burst from many clients, each answered 202 after its fsync). Defaults to 256, the spike benchmark's clients.
    /// </summary>
    public int Senders { get; init; } = 256;

    /// <summary>Concurrent consumers. Defaults to 2.</summary>
    public int Consumers { get; init; } = 2;

    /// <summary>Messages per receive and delete batch. Defaults to 1,000.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Message body size in bytes. Defaults to 100 (a small JSON record).</summary>
    public int BodyBytes { get; init; } = 100;

    /// <summary>Messages waiting in the queue before the measured run starts (the backlog case). Defaults to 0.</summary>
    public int Backlog { get; init; }
}

/// <summary>Figures of one benchmark run.</summary>
/// <param name="MessagesPerSecond">Durable send + receive + delete on an empty queue, end to end, with senders and consumers
/// concurrent.</param>
/// <param name="SendOnlyPerSecond">Durable single-message sends per second before any consumer runs.</param>
/// <param name="DrainPerSecond">Receive + durable delete per second of the messages the send-only phase left.</param>
/// <param name="FsyncsPerSecond">fsyncs per second during the concurrent phase.</param>
/// <param name="MessagesPerFsync">Sent messages per fsync during the concurrent phase (deletes and receive counts share them).</param>
/// <param name="P99SendMilliseconds">99th percentile time from send call to durable acknowledgement.</param>
/// <param name="ResidentBytesWithBacklog">Process resident memory with the backlog waiting (after a full GC); 0 without backlog.</param>
/// <param name="ResidentBytesAfterReopen">The same once the engine is reopened on the backlog (recovery rebuilt the index;
/// the body cache is empty); 0 without backlog.</param>
/// <param name="ReopenSecondsWithBacklog">Time to reopen the engine (recovery) with the backlog waiting; 0 without backlog.</param>
/// <param name="BacklogMessagesPerSecond">The concurrent phase again, measured the same way, with the backlog waiting
/// (consumers take the oldest messages, so the backlog stays as large while senders add to it); 0 without backlog.</param>
/// <param name="Backlog">Messages waiting during the backlog phase.</param>
/// <param name="CpuMicrosecondsPerMessage">Process CPU time (user + kernel, every thread) per message in the concurrent
/// phase: the engine's cost, steadier than a rate on a shared machine.</param>
/// <param name="GcPauseFraction">Share of the concurrent phase's wall time spent in garbage-collection pauses.</param>
public sealed record QueueBenchmarkResult(
    double MessagesPerSecond,
    double SendOnlyPerSecond,
    double DrainPerSecond,
    double FsyncsPerSecond,
    double MessagesPerFsync,
    double P99SendMilliseconds,
    long ResidentBytesWithBacklog,
    double ReopenSecondsWithBacklog,
    double BacklogMessagesPerSecond = 0,
    int Backlog = 0,
    double CpuMicrosecondsPerMessage = 0,
    double GcPauseFraction = 0,
    long ResidentBytesAfterReopen = 0)
{
    /// <summary>Backlog rate ÷ empty-queue rate, both from this run; 0 without backlog.</summary>
    public double BacklogRatio => Backlog > 0 && MessagesPerSecond > 0 ? BacklogMessagesPerSecond / MessagesPerSecond : 0;
}

/// <summary>
/// An in-process throughput measurement of the engine on the real disk: a program's tool (`spillway bench queue`),
/// not a test. Sends from many concurrent single-message senders, as the HTTP front end does, and drains with batch
/// receives and deletes, as the workers do.
/// </summary>
public static class QueueBenchmark
{
    // Long enough for tiered compilation to reach its optimised code (a 20,000-message warm-up measured the first tier).
    private const int WarmUpMessages = 100_000;

    /// <summary>
    /// Runs the benchmark in <see cref="QueueBenchmarkOptions.DataDirectory"/>; the engine is closed afterwards and its
    /// files are left to the caller.
    /// </summary>
    public static async Task<QueueBenchmarkResult> RunAsync(QueueBenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var body = new byte[options.BodyBytes];
        Array.Fill(body, (byte)'x');
        var engineOptions = new QueueEngineOptions { DataDirectory = options.DataDirectory, MinimumFreeDiskBytes = 0 };
        var engine = await QueueEngine.OpenAsync(engineOptions, cancellationToken).ConfigureAwait(false);
        var queue = await engine.CreateQueueAsync(
            new QueueDefinition { Name = "bench", VisibilityTimeout = TimeSpan.FromMinutes(5) }, cancellationToken).ConfigureAwait(false);

        try
        {
            // Warm-up, so the measured phases run optimised code rather than the first JIT tier.
            var warmUp = Math.Min(options.Messages, WarmUpMessages);
            await SendAll(queue, body, warmUp, options.Senders, null, cancellationToken).ConfigureAwait(false);
            await Drain(queue, warmUp, options.Consumers, options.BatchSize, cancellationToken).ConfigureAwait(false);

            // Phase 1, on the empty queue: senders and consumers together (the headline figure), with its fsyncs.
            var latencies = new double[options.Messages];
            var before = queue.StorageMetrics;
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var pauseBefore = GC.GetTotalPauseDuration();
            var concurrentSeconds = await Concurrent(queue, body, options, latencies, cancellationToken).ConfigureAwait(false);
            var after = queue.StorageMetrics;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            var pauseSeconds = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds;

            // Phase 2: sends alone, then the drain alone.
            var clock = Stopwatch.StartNew();
            await SendAll(queue, body, options.Messages, options.Senders, null, cancellationToken).ConfigureAwait(false);
            var sendSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            await Drain(queue, options.Messages, options.Consumers, options.BatchSize, cancellationToken).ConfigureAwait(false);
            var drainSeconds = clock.Elapsed.TotalSeconds;

            long resident = 0, residentAfterReopen = 0;
            double reopenSeconds = 0, backlogSeconds = 0;
            if (options.Backlog > 0)
            {
                // Phase 3: the backlog, sent in batches (only its presence matters), then memory and reopen time with it.
                await SendBacklog(queue, body, options.Backlog, cancellationToken).ConfigureAwait(false);
                resident = ResidentAfterFullCollection();

                await engine.DisposeAsync().ConfigureAwait(false);

                // This method may be running inline in the last backlog sender's continuation, whose frames below it
                // hold the closed engine: off that stack, the memory figure after reopen counts the new engine only.
                await Task.Yield();
                var reopen = Stopwatch.StartNew();
                engine = await QueueEngine.OpenAsync(engineOptions, cancellationToken).ConfigureAwait(false);
                reopenSeconds = reopen.Elapsed.TotalSeconds;
                queue = engine.TryGetQueue("bench", out var reopened)
                    ? reopened
                    : throw new InvalidOperationException("The queue is gone.");
                residentAfterReopen = ResidentAfterFullCollection();

                // Phase 4: phase 1 again with the backlog waiting.
                backlogSeconds = await Concurrent(queue, body, options, null, cancellationToken).ConfigureAwait(false);
            }

            Array.Sort(latencies);
            var fsyncs = Math.Max(1, after.Fsyncs - before.Fsyncs);
            return new QueueBenchmarkResult(
                options.Messages / concurrentSeconds,
                options.Messages / sendSeconds,
                options.Messages / drainSeconds,
                fsyncs / concurrentSeconds,
                (double)options.Messages / fsyncs,
                latencies[(int)(latencies.Length * 0.99)],
                resident,
                reopenSeconds,
                options.Backlog > 0 ? options.Messages / backlogSeconds : 0,
                options.Backlog,
                cpuSeconds * 1e6 / options.Messages,
                pauseSeconds / concurrentSeconds,
                residentAfterReopen);
        }
        finally
        {
            await engine.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Resident memory once the garbage collector has returned what it can: what the backlog itself holds.</summary>
    private static long ResidentAfterFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return Environment.WorkingSet;
    }

    /// <summary>Senders and consumers together until N messages are sent, received and deleted; returns the seconds.</summary>
    private static async Task<double> Concurrent(
        MessageQueue queue, byte[] body, QueueBenchmarkOptions options, double[]? latencies, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var drained = Drain(queue, options.Messages, options.Consumers, options.BatchSize, cancellationToken);
        await SendAll(queue, body, options.Messages, options.Senders, latencies, cancellationToken).ConfigureAwait(false);
        await drained.ConfigureAwait(false);
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task SendBacklog(MessageQueue queue, byte[] body, int total, CancellationToken cancellationToken)
    {
        const int Batch = 100;
        var next = 0;
        var tasks = Enumerable.Range(0, 8).Select(async _ =>
        {
            await Task.Yield();
            int first;
            while ((first = Interlocked.Add(ref next, Batch) - Batch) < total)
            {
                var count = Math.Min(Batch, total - first);
                var batch = new OutgoingMessage[count];
                Array.Fill(batch, new OutgoingMessage(body));
                await queue.SendBatchAsync(batch, null, cancellationToken).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task SendAll(
        MessageQueue queue, byte[] body, int total, int senders, double[]? latencies, CancellationToken cancellationToken)
    {
        var next = -1;
        var batch = new[] { new OutgoingMessage(body) };
        var tasks = Enumerable.Range(0, senders).Select(async _ =>
        {
            await Task.Yield();
            int index;
            while ((index = Interlocked.Increment(ref next)) < total)
            {
                var started = Stopwatch.GetTimestamp();
                await queue.SendBatchAsync(batch, null, cancellationToken).ConfigureAwait(false);
                if (latencies is not null)
                {
                    latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task Drain(MessageQueue queue, int total, int consumers, int batchSize, CancellationToken cancellationToken)
    {
        var remaining = total;
        var receive = new ReceiveOptions { MaxMessages = batchSize, WaitTime = TimeSpan.FromSeconds(1) };

        // Once the last message is deleted, the other consumers' long polls are cut short: their wait is not work.
        using var finished = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = Enumerable.Range(0, consumers).Select(async _ =>
        {
            await Task.Yield();
            while (Volatile.Read(ref remaining) > 0)
            {
                IReadOnlyList<ReceivedMessage> messages;
                try
                {
                    messages = await queue.ReceiveAsync(receive, finished.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (finished.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (messages.Count == 0)
                {
                    continue;
                }

                var handles = new string[messages.Count];
                for (var i = 0; i < handles.Length; i++)
                {
                    handles[i] = messages[i].ReceiptHandle;
                }

                await queue.DeleteBatchAsync(handles, cancellationToken).ConfigureAwait(false);
                if (Interlocked.Add(ref remaining, -messages.Count) <= 0)
                {
                    await finished.CancelAsync().ConfigureAwait(false);
                }
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
