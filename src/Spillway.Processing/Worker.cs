using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Processing.Internal;
using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>
/// A configured worker: its queue, handler and settings, and the event-source mapping that runs it while it is
/// enabled. Disabling stops the mapping gracefully (batches in flight finish); enabling starts a new one, as
/// updating a Lambda event-source mapping's Enabled flag does.
/// </summary>
public sealed class Worker : IAsyncDisposable
{
    /// <summary>The log category of the per-message events (received, handled, failed), at Debug level.</summary>
    public const string TraceCategory = "Spillway.Trace";

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly IMessageTransport transport;
    private readonly IMessageHandler handler;
    private readonly ILoggerFactory loggerFactory;
    private readonly IStreamCheckpointStore? sinkCheckpoints;
    private EventSourceMapping? mapping;
    private IQueueReceiver? receiver;
    private StreamConsumer? consumer;
    private IStreamSource? source;
    private int concurrencyLimit;

    /// <summary>A worker on <paramref name="transport"/>'s queue <paramref name="queueName"/>. Each time it is enabled it
    /// opens a receiver with a prefetch of batch size × concurrency; disabling disposes it, which gives a broker's
    /// prefetched messages back.</summary>
    /// <param name="name">The worker's name (<c>Spillway:Workers:&lt;name&gt;</c>), in metrics and logs.</param>
    /// <param name="transport">Where the queue lives.</param>
    /// <param name="queueName">The queue it drains.</param>
    /// <param name="handler">What handles the batches; disposed with the worker when it is <see cref="IDisposable"/>.</param>
    /// <param name="options">The mapping's settings; <see cref="EventSourceMappingOptions.Enabled"/> says whether the
    /// host starts it.</param>
    /// <param name="sink">The SQL sink the handler writes into; null for other handlers.</param>
    /// <param name="metrics">Where its invocations are measured; null for nowhere.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    public Worker(
        string name,
        IMessageTransport transport,
        string queueName,
        IMessageHandler handler,
        EventSourceMappingOptions options,
        string? sink = null,
        WorkerMetrics? metrics = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        QueueName = queueName;
        this.transport = transport;
        this.loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        this.handler = new MeasuredHandler(handler, name, sink, metrics, this.loggerFactory.CreateLogger(TraceCategory));
        Options = options;
        Sink = sink;
        concurrencyLimit = options.MaximumConcurrency;
    }

    /// <summary>A worker on <paramref name="transport"/>'s stream <paramref name="streamName"/>: a <see cref="StreamConsumer"/>
    /// named after the worker (its checkpoints are the worker's), opened each time the worker is enabled.</summary>
    /// <param name="name">The worker's name, in metrics and logs, and whose checkpoints these are.</param>
    /// <param name="transport">Where the stream (and the on-failure queue) live; it must have streams.</param>
    /// <param name="streamName">The stream it reads.</param>
    /// <param name="handler">What handles the batches; disposed with the worker when it is <see cref="IDisposable"/>.</param>
    /// <param name="options">The consumer's settings.</param>
    /// <param name="sink">The SQL sink the handler writes into; null for other handlers.</param>
    /// <param name="metrics">Where its invocations are measured; null for nowhere.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    public Worker(
        string name,
        IMessageTransport transport,
        string streamName,
        IMessageHandler handler,
        StreamConsumerOptions options,
        string? sink = null,
        WorkerMetrics? metrics = null,
        ILoggerFactory? loggerFactory = null)
        : this(name, transport, streamName, handler, SharedSettings(options), sink, metrics, loggerFactory)
    {
        if (transport.Streams is null)
        {
            throw new ArgumentException($"The {transport.Kind} transport has no streams.", nameof(transport));
        }

        StreamOptions = options;
        if (transport.Streams.CheckpointsInSink && handler is SqlSinkHandler sql)
        {
            sinkCheckpoints = sql.CheckpointsOf(streamName);
        }
    }

    public string Name { get; }

    /// <summary>The queue it drains, or for a stream worker the stream it reads.</summary>
    public string QueueName { get; }

    /// <summary>A stream worker's settings; null for a queue worker.</summary>
    public StreamConsumerOptions? StreamOptions { get; }

    /// <summary>A stream worker's consumer while it runs (its iterator age and distance behind latest); null otherwise.</summary>
    public StreamConsumer? Consumer => consumer;

    /// <summary>The SQL sink the handler writes into; null for other handlers.</summary>
    public string? Sink { get; }

    /// <summary>The mapping's settings; for a stream worker, those it shares with a queue worker (batch size, window,
    /// concurrency: the parallelization factor, enabled).</summary>
    public EventSourceMappingOptions Options { get; }

    public bool Enabled => mapping?.IsRunning == true || consumer?.IsRunning == true;

    public EventSourceMappingStatistics? Statistics => consumer?.GetStatistics() ?? mapping?.GetStatistics();

    /// <summary>The configured maximum concurrency.</summary>
    public int MaxConcurrency => Options.MaximumConcurrency;

    /// <summary>Invocations allowed at once now (the autoscaler moves it); the maximum unless autoscaled.</summary>
    public int ConcurrencyLimit => Volatile.Read(ref concurrencyLimit);

    /// <summary>The autoscaler moving this worker's concurrency; null when it runs at its maximum.</summary>
    public WorkerAutoscaler? Autoscaler { get; internal set; }

    /// <summary>Sets the concurrency limit (1..maximum), now and for every later run of the worker.</summary>
    public int SetConcurrencyLimit(int limit)
    {
        var clamped = Math.Clamp(limit, 1, Options.MaximumConcurrency);
        Volatile.Write(ref concurrencyLimit, clamped);
        mapping?.SetConcurrencyLimit(clamped);
        return clamped;
    }

    /// <summary>Starts the mapping when it is not running. False when it was running already.</summary>
    public async Task<bool> EnableAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (StreamOptions is { } streamOptions)
            {
                return await EnableStreamAsync(streamOptions, cancellationToken).ConfigureAwait(false);
            }

            if (mapping is { IsRunning: true })
            {
                return false;
            }

            if (mapping is not null)
            {
                await mapping.DisposeAsync().ConfigureAwait(false);
            }

            await CloseReceiverAsync().ConfigureAwait(false);
            receiver = transport.OpenReceiver(QueueName, (int)Math.Min((long)Options.BatchSize * Options.MaximumConcurrency, ushort.MaxValue));
            mapping = new EventSourceMapping(receiver, handler, Options with { Enabled = true }, loggerFactory.CreateLogger<EventSourceMapping>());
            mapping.SetConcurrencyLimit(ConcurrencyLimit);
            await mapping.StartAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the mapping, letting batches in flight finish. False when it was not running.</summary>
    public async Task<bool> DisableAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (consumer is { IsRunning: true } reading)
            {
                await reading.StopAsync(cancellationToken).ConfigureAwait(false);
                await CloseReceiverAsync().ConfigureAwait(false);
                return true;
            }

            if (mapping is not { IsRunning: true } running)
            {
                return false;
            }

            await running.StopAsync(cancellationToken).ConfigureAwait(false);
            await CloseReceiverAsync().ConfigureAwait(false);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Autoscaler?.Dispose();
        if (mapping is not null)
        {
            await mapping.StopAsync().ConfigureAwait(false);
            await mapping.DisposeAsync().ConfigureAwait(false);
        }

        if (consumer is not null)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        await CloseReceiverAsync().ConfigureAwait(false);
        gate.Dispose();
        (handler as IDisposable)?.Dispose();
    }

    private static EventSourceMappingOptions SharedSettings(StreamConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new EventSourceMappingOptions
        {
            BatchSize = options.BatchSize,
            MaximumBatchingWindow = options.MaximumBatchingWindow,
            MaximumConcurrency = options.ParallelizationFactor,
            Enabled = options.Enabled,
            TimeProvider = options.TimeProvider,
        };
    }

    private async Task<bool> EnableStreamAsync(StreamConsumerOptions options, CancellationToken cancellationToken)
    {
        if (consumer is { IsRunning: true })
        {
            return false;
        }

        if (consumer is not null)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        await CloseReceiverAsync().ConfigureAwait(false);
        IQueueSender? onFailure = null;
        if (options.OnFailureQueue is { } queue)
        {
            onFailure = transport.FindSender(queue) ?? throw new UnknownQueueException(queue);
        }

        source = transport.Streams!.OpenSource(QueueName, sinkCheckpoints);
        consumer = new StreamConsumer(
            Name, source, handler, options with { Enabled = true }, onFailure, loggerFactory.CreateLogger<StreamConsumer>());
        await consumer.StartAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task CloseReceiverAsync()
    {
        if (source is not null)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            source = null;
        }

        if (receiver is not null)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
            receiver = null;
        }
    }
}
