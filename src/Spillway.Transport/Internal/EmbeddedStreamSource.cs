using Spillway.Messaging.Streams;

namespace Spillway.Transport.Internal;

/// <summary>A stream of the embedded engine read in place: reads are memory-mapped lookups, checkpoints the engine's.</summary>
internal sealed class EmbeddedStreamSource(DataStream stream) : IStreamSource
{
    public string StreamName => stream.Name;

    public ValueTask<IReadOnlyList<ShardDescription>> ListShardsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(stream.Shards);

    public ValueTask<ShardPosition> SeekAsync(
        string shardId, IteratorStart start, string? sequenceNumber, DateTimeOffset? timestamp, CancellationToken cancellationToken) =>
        ValueTask.FromResult(stream.Seek(shardId, start, sequenceNumber, timestamp));

    public async ValueTask<ShardReadResult> ReadAsync(ShardPosition from, int maxRecords, TimeSpan wait, CancellationToken cancellationToken)
    {
        var result = stream.Read(from, maxRecords);
        if (result.Records.Count > 0 || result.Next is null || wait <= TimeSpan.Zero)
        {
            return result;
        }

        return await stream.WaitForRecordsAsync(result.Next.Value, wait, cancellationToken).ConfigureAwait(false)
            ? stream.Read(result.Next.Value, maxRecords)
            : result;
    }

    public ValueTask<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(stream.GetCheckpoint(consumer, shardId));

    public ValueTask SaveCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken cancellationToken) =>
        stream.SaveCheckpointAsync(consumer, shardId, sequenceNumber, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
