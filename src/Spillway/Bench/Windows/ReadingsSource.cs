using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Bench.Windows;

/// <summary>
/// A stream of one open shard already holding the readings, in memory: what the aggregation reads costs nothing to
/// fetch, so the run measures the aggregation. Once a read finds nothing left, the input has gone quiet and
/// <paramref name="drained"/> runs once.
/// </summary>
internal sealed class ReadingsSource(Readings readings, Action drained) : IStreamSource
{
    private const string ShardId = "shardId-000000000000";

    private int drainedOnce;

    public string StreamName => "readings";

    public ValueTask<IReadOnlyList<ShardDescription>> ListShardsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ShardDescription>>([new ShardDescription(ShardId, null, null, 0, UInt128.MaxValue, "0", null)]);

    public ValueTask<ShardPosition> SeekAsync(
        string shardId, IteratorStart start, string? sequenceNumber, DateTimeOffset? timestamp, CancellationToken cancellationToken) =>
        start == IteratorStart.TrimHorizon
            ? ValueTask.FromResult(new ShardPosition(ShardId, 0))
            : throw new NotSupportedException("The benchmark's aggregation reads its stream from the start.");

    public ValueTask<ShardReadResult> ReadAsync(ShardPosition from, int maxRecords, TimeSpan wait, CancellationToken cancellationToken)
    {
        var first = (int)@from.Position;
        var count = Math.Min(maxRecords, readings.Count - first);
        if (count == 0 && Interlocked.Exchange(ref drainedOnce, 1) == 0)
        {
            drained();
        }

        return ValueTask.FromResult(new ShardReadResult(
            new ArraySegment<StreamRecord>(readings.Records, first, count), @from with { Position = first + count }, 0, []));
    }

    public ValueTask<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(null);

    public ValueTask SaveCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
