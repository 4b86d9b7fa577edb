using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Spillway.Processing.Internal;

/// <summary>
/// A worker's handler that measures each invocation (its size, its duration, how it ended) and, with message tracing
/// on, logs each message's receipt and fate under the <c>Spillway.Trace</c> category.
/// </summary>
internal sealed partial class MeasuredHandler(
    IMessageHandler inner, string worker, string? sink, WorkerMetrics? metrics, ILogger trace) : IMessageHandler, IDisposable
{
    private readonly KeyValuePair<string, object?> tag = new("worker", worker);
    private readonly string destination = sink is null ? $"handled by worker '{worker}'" : $"written to sink '{sink}'";

    public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        metrics?.BatchSize.Record(batch.Messages.Count, tag);
        var tracing = trace.IsEnabled(LogLevel.Debug);
        if (tracing)
        {
            foreach (var message in batch.Messages)
            {
                LogReceived(trace, message.MessageId, worker, batch.QueueName, message.ReceiveCount);
            }
        }

        var outcome = "error";
        try
        {
            var result = await inner.HandleAsync(batch, cancellationToken).ConfigureAwait(false);
            var failed = result?.FailedMessageIds ?? [];
            outcome = failed.Count == 0 ? "success" : "partial";
            if (failed.Count > 0)
            {
                metrics?.FailedMessages.Add(failed.Count, tag);
            }

            if (tracing)
            {
                var failedSet = failed.Count == 0 ? null : failed.ToHashSet();
                foreach (var message in batch.Messages)
                {
                    if (failedSet?.Contains(message.MessageId) == true)
                    {
                        LogFailed(trace, message.MessageId, worker, "reported failed by the handler");
                    }
                    else
                    {
                        LogHandled(trace, message.MessageId, destination, worker);
                    }
                }
            }

            return result!;
        }
        catch (DownstreamUnavailableException)
        {
            outcome = "unavailable";
            TraceBatchFailure(batch, tracing, "sink unavailable, the batch is held and retried");
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics?.FailedMessages.Add(batch.Messages.Count, tag);
            TraceBatchFailure(batch, tracing, "the handler failed: " + e.GetType().Name);
            throw;
        }
        finally
        {
            metrics?.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
            metrics?.Batches.Add(1, tag, new("outcome", outcome));
        }
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private void TraceBatchFailure(MessageBatch batch, bool tracing, string reason)
    {
        if (!tracing)
        {
            return;
        }

        foreach (var message in batch.Messages)
        {
            LogFailed(trace, message.MessageId, worker, reason);
        }
    }

    [LoggerMessage(6001, LogLevel.Debug, "message {MessageId} received by worker '{Worker}' from queue '{Queue}' (receive {ReceiveCount})")]
    private static partial void LogReceived(ILogger logger, Guid messageId, string worker, string queue, int receiveCount);

    [LoggerMessage(6002, LogLevel.Debug, "message {MessageId} {Destination} (worker '{Worker}'); its deletion from the queue follows")]
    private static partial void LogHandled(ILogger logger, Guid messageId, string destination, string worker);

    [LoggerMessage(
        6003, LogLevel.Debug, "message {MessageId} failed in worker '{Worker}': {Reason}; it reappears after its visibility timeout")]
    private static partial void LogFailed(ILogger logger, Guid messageId, string worker, string reason);
}
