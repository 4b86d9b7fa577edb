using System.Diagnostics;
using Spillway.Processing;
using Spillway.Sinks;

namespace Spillway.Operations.Internal;

/// <summary>A worker's handler that measures each invocation: its size, its duration and how it ended.</summary>
internal sealed class InstrumentedHandler(IMessageHandler inner, string worker, SpillwayMetrics metrics) : IMessageHandler, IDisposable
{
    private readonly KeyValuePair<string, object?> tag = new("worker", worker);

    public IMessageHandler Inner => inner;

    public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.BatchSize.Record(batch.Messages.Count, tag);
        var outcome = "error";
        try
        {
            var result = await inner.HandleAsync(batch, cancellationToken).ConfigureAwait(false);
            var failed = result?.FailedMessageIds.Count ?? 0;
            outcome = failed == 0 ? "success" : "partial";
            if (failed > 0)
            {
                metrics.FailedMessages.Add(failed, tag);
            }

            return result!;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            outcome = "unavailable";
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.FailedMessages.Add(batch.Messages.Count, tag);
            throw;
        }
        finally
        {
            metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
            metrics.Batches.Add(1, tag, new("outcome", outcome));
        }
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private static bool IsUnavailable(Exception? e)
    {
        for (var depth = 0; e is not null && depth < 8; depth++, e = e.InnerException)
        {
            if (e is SinkUnavailableException)
            {
                return true;
            }
        }

        return false;
    }
}
