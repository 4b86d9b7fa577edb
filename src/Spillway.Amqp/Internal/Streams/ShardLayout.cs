using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Spillway.Messaging.Streams;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// A stream's shards on RabbitMQ: one stream queue per shard, the hash-key space split evenly as Kinesis splits it at
/// creation. Nothing of it is stored: every node derives the same layout from the stream's definition, and
/// <see cref="StreamTopology"/> makes the broker refuse a node whose definition says another shard count.
/// </summary>
internal sealed class ShardLayout
{
    private static readonly BigInteger KeySpace = BigInteger.One << 128;

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
        var shards = new ShardDescription[count];
        for (var i = 0; i < count; i++)
        {
            var start = (UInt128)(KeySpace * i / count);
            var end = i == count - 1 ? UInt128.MaxValue : (UInt128)(KeySpace * (i + 1) / count) - 1;
            shards[i] = new ShardDescription(ShardId(i), null, null, start, end, "0", null);
        }

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
        var key = explicitHashKey ?? HashKeyOf(partitionKey);
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

    public bool TryFind(string shardId, out ShardDescription shard)
    {
        shard = Shards.FirstOrDefault(s => s.ShardId == shardId)!;
        return shard is not null;
    }

    public static UInt128 HashKeyOf(string partitionKey)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
#pragma warning disable CA5351 // MD5 is Kinesis's routing function here, not a security measure.
        MD5.HashData(Encoding.UTF8.GetBytes(partitionKey), hash);
#pragma warning restore CA5351
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }
}
