using Spillway.Messaging;
using Spillway.Processing;
using Spillway.Transport;

namespace Spillway.Hosting;

/// <summary>
/// A configured worker: its queue, handler and settings, and the event-source mapping that runs it while it is
/// enabled. Disabling stops the mapping gracefully (batches in flight finish); enabling starts a new one, as
/// updating a Lambda event-source mapping's Enabled flag does.
/// </summary>
internal sealed class Worker
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Func<int, IQueueReceiver> openReceiver;
    private readonly IMessageHandler handler;
    private readonly ILoggerFactory loggerFactory;
    private EventSourceMapping? mapping;
    private IQueueReceiver? receiver;
    private int concurrencyLimit;

    public Worker(
        string name, MessageQueue queue, IMessageHandler handler, EventSourceMappingOptions options, string? sink, ILoggerFactory loggerFactory)
        : this(name, queue.Name, _ => EmbeddedTransport.Receiver(queue), handler, options, sink, loggerFactory)
    {
    }

    /// <summary>A worker on any transport: <paramref name="openReceiver"/> opens a receiver with the given prefetch
    /// (batch size × concurrency) each time the worker is enabled; disabling disposes it, which gives a broker's
    /// prefetched messages back.</summary>
    public Worker(
        string name,
        string queueName,
        Func<int, IQueueReceiver> openReceiver,
        IMessageHandler handler,
        EventSourceMappingOptions options,
        string? sink,
        ILoggerFactory loggerFactory)
    {
        Name = name;
        QueueName = queueName;
        this.openReceiver = openReceiver;
        this.handler = handler;
        Options = options;
        Sink = sink;
        this.loggerFactory = loggerFactory;
        concurrencyLimit = options.MaximumConcurrency;
    }

    public string Name { get; }

    public string QueueName { get; }

    /// <summary>The SQL sink the handler writes into; null for other handlers.</summary>
    public string? Sink { get; }

    public EventSourceMappingOptions Options { get; }

    public bool Enabled => mapping?.IsRunning == true;

    public EventSourceMappingStatistics? Statistics => mapping?.GetStatistics();

    /// <summary>The configured maximum concurrency.</summary>
    public int MaxConcurrency => Options.MaximumConcurrency;

    /// <summary>Invocations allowed at once now (the autoscaler moves it); the maximum unless autoscaled.</summary>
    public int ConcurrencyLimit => Volatile.Read(ref concurrencyLimit);

    /// <summary>The autoscaler's handle, set when the worker scales between a minimum and its maximum.</summary>
    public Operations.WorkerAutoscaler? Autoscaler { get; set; }

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
            if (mapping is { IsRunning: true })
            {
                return false;
            }

            if (mapping is not null)
            {
                await mapping.DisposeAsync().ConfigureAwait(false);
            }

            await CloseReceiverAsync().ConfigureAwait(false);
            receiver = openReceiver((int)Math.Min((long)Options.BatchSize * Options.MaximumConcurrency, ushort.MaxValue));

            mapping = new EventSourceMapping(receiver, handler, Options.WithEnabled(true), loggerFactory.CreateLogger<EventSourceMapping>());
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
        if (mapping is not null)
        {
            await mapping.StopAsync().ConfigureAwait(false);
            await mapping.DisposeAsync().ConfigureAwait(false);
        }

        await CloseReceiverAsync().ConfigureAwait(false);
        gate.Dispose();
        (handler as IDisposable)?.Dispose();
    }

    private async Task CloseReceiverAsync()
    {
        if (receiver is not null)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
            receiver = null;
        }
    }
}
