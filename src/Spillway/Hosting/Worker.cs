using Spillway.Messaging;
using Spillway.Processing;

namespace Spillway.Hosting;

/// <summary>
/// A configured worker: its queue, handler and settings, and the event-source mapping that runs it while it is
/// enabled. Disabling stops the mapping gracefully (batches in flight finish); enabling starts a new one, as
/// updating a Lambda event-source mapping's Enabled flag does.
/// </summary>
internal sealed class Worker(
    string name, MessageQueue queue, IMessageHandler handler, EventSourceMappingOptions options, string? sink, ILoggerFactory loggerFactory)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private EventSourceMapping? mapping;
    private int concurrencyLimit = options.MaximumConcurrency;

    public string Name { get; } = name;

    public string QueueName => queue.Name;

    /// <summary>The SQL sink the handler writes into; null for other handlers.</summary>
    public string? Sink { get; } = sink;

    public EventSourceMappingOptions Options { get; } = options;

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

            var enabled = new EventSourceMappingOptions
            {
                BatchSize = Options.BatchSize,
                MaximumBatchingWindow = Options.MaximumBatchingWindow,
                MaximumConcurrency = Options.MaximumConcurrency,
                VisibilityTimeout = Options.VisibilityTimeout,
                Enabled = true,
            };
            mapping = new EventSourceMapping(queue, handler, enabled, loggerFactory.CreateLogger<EventSourceMapping>());
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

        gate.Dispose();
        (handler as IDisposable)?.Dispose();
    }
}
