using System.Globalization;
using Spillway.Messaging.Streams;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// A stream's shards on RabbitMQ: one stream queue per shard, the hash-key space split evenly as Kinesis splits it at
/// creation. Nothing of it is stored: every node derives the same layout from the stream's definition, and
/// <see cref="StreamTopology"/> makes the broker refuse a node whose definition says another shard count.
/// </summary>
internal sealed class ShardLayout
{
    private ShardLayout(StreamDefinition definition, IReadOnlyList<ShardDescription> shards)
    {
        Definition = definition;
        Shards = shards;
    }

    public StreamDefinition Definition { get; }

    public string StreamName => Definition.Name;

    /// <summary>The shards by index; on a broker they never close (resharding needs the embedded engine).</summary>
    public IReadOnlyList<ShardDescription> Shards { get; }

    public static ShardLayout Of(StreamDefinition definition)
    {
        var count = definition.Mode == StreamMode.OnDemand ? StreamLimits.OnDemandInitialShards : definition.ShardCount;
        var shards = StreamKeys.EvenRanges(count)
            .Select((range, i) => new ShardDescription(ShardId(i), null, null, range.Start, range.End, "0", null))
            .ToArray();
        return new ShardLayout(definition, shards);
    }

    /// <summary>Kinesis's shard id for the shard at <paramref name="index"/>: <c>shardId-000000000000</c>.</summary>
    public static string ShardId(int index) => "shardId-" + index.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>The stream queue that holds a shard: <c>&lt;stream&gt;.shard-000000000000</c>.</summary>
    public string QueueOf(ShardDescription shard) => StreamName + ".shard-" + shard.ShardId["shardId-".Length..];

    /// <summary>The shard whose range holds the explicit hash key, or else MD5 of the UTF-8 partition key read as a
    /// big-endian 128-bit integer, as Kinesis routes.</summary>
    public ShardDescription ShardFor(string partitionKey, UInt128? explicitHashKey)
    {
        var key = explicitHashKey ?? StreamKeys.HashKey(partitionKey);
        var shards = Shards;
        int low = 0, high = shards.Count - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (shards[middle].StartingHashKey <= key)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return shards[low];
    }

    /// <summary>The index of the shard with this id; -1 when the stream has none.</summary>
    public int IndexOf(string shardId)
    {
        for (var i = 0; i < Shards.Count; i++)
        {
            if (Shards[i].ShardId == shardId)
            {
                return i;
            }
        }

        return -1;
    }
}
