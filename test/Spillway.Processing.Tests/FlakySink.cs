using Spillway.Sinks;

namespace Spillway.Processing.Tests;

/// <summary>Fault injection only: a real sink that can be switched "down", failing as an unreachable database does.</summary>
internal sealed class FlakySink(ISqlSink inner) : ISqlSink
{
    private int attempts;

    public bool Down { get; set; }

    public int Attempts => Volatile.Read(ref attempts);

    public string Name => inner?.Name ?? "flaky";

    public string Provider => inner.Provider;

    public SinkPoolStatistics PoolStatistics => inner.PoolStatistics;

    public ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default) => inner.EnsureSchemaAsync(cancellationToken);

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken = default) =>
        Down ? ValueTask.FromResult(false) : inner.PingAsync(cancellationToken);

    /// <summary>Awaited at the start of each write, so a test can hold a write at the moment it reaches the database.</summary>
    public Func<Task>? BeforeWrite { get; set; }

    public async ValueTask<SinkWriteResult> WriteAsync(
        IReadOnlyList<SinkRecord> records, StreamCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref attempts);
        if (BeforeWrite is { } before)
        {
            await before();
        }

        return Down
            ? throw new SinkUnavailableException("injected outage: connection refused")
            : await inner.WriteAsync(records, checkpoint, cancellationToken);
    }

    public ValueTask<string?> ReadCheckpointAsync(string consumer, string stream, string shard, CancellationToken cancellationToken = default) =>
        Down
            ? ValueTask.FromException<string?>(new SinkUnavailableException("injected outage: connection refused"))
            : inner.ReadCheckpointAsync(consumer, stream, shard, cancellationToken);

    public ValueTask SaveCheckpointAsync(StreamCheckpoint checkpoint, CancellationToken cancellationToken = default) =>
        Down
            ? ValueTask.FromException(new SinkUnavailableException("injected outage: connection refused"))
            : inner.SaveCheckpointAsync(checkpoint, cancellationToken);

    public ValueTask DisposeAsync() => inner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
