using Spillway.Sinks;

namespace Spillway.Operations.Internal;

/// <summary>Whether a sink answers: the readiness check and the SinkFailing alarm ask the same question.</summary>
/// <param name="metrics">Where the sinks' writes are measured, for whether the last ones succeeded.</param>
internal sealed class SinkProbe(SinkMetrics metrics)
{
    /// <summary>How long one sink may take to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<(bool Healthy, string? Detail)> CheckAsync(ISqlSink sink, CancellationToken cancellationToken)
    {
        var pool = sink.PoolStatistics;
        if (pool.InUse >= pool.MaxConnections && metrics.ConsecutiveFailures(sink.Name) == 0)
        {
            // Every connection is busy writing, successfully: a ping would only queue behind the drain, and a
            // readiness probe must not take a server out of rotation in the middle of a burst.
            return (true, "pool busy");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var answered = await sink.PingAsync(timeout.Token).ConfigureAwait(false);
            return answered ? (true, null) : (false, "database unreachable");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The exception's message may carry a host name; the type is enough to start looking.
            return (false, "database unreachable (" + e.GetType().Name + ")");
        }
    }
}
