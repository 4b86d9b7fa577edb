using System.Buffers.Binary;
using System.Text;
using Spillway.Aws;
using Spillway.Messaging.Streams;

namespace Spillway.Kinesis.Internal;

/// <summary>
/// Shard iterators: opaque base64 holding the stream (name and creation time, so a re-created stream does not take an old
/// iterator), the shard, the position to read next and when the iterator was issued. Each GetRecords issues a new one,
/// and one older than <see cref="StreamLimits.IteratorLifetime"/> on the API's clock is refused as expired.
/// </summary>
internal sealed class ShardIterators(TimeProvider time)
{
    private const byte Version = 1;

    public string Issue(DataStream stream, ShardPosition position)
    {
        var name = Encoding.UTF8.GetBytes(stream.Name);
        var shard = Encoding.UTF8.GetBytes(position.ShardId);
        var bytes = new byte[1 + (3 * sizeof(long)) + 2 + name.Length + shard.Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), time.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(9), stream.CreatedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(17), position.Position);
        bytes[25] = (byte)name.Length;
        name.CopyTo(bytes, 26);
        bytes[26 + name.Length] = (byte)shard.Length;
        shard.CopyTo(bytes, 27 + name.Length);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The stream, creation time and position of <paramref name="iterator"/>; InvalidArgumentException when it is
    /// not one this API issued, ExpiredIteratorException when it is too old.</summary>
    public (string Stream, long CreatedAtMs, ShardPosition Position) Read(string iterator)
    {
        var bytes = new byte[(iterator.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(iterator, bytes, out var length) || length < 28 || bytes[0] != Version)
        {
            throw Invalid();
        }

        var span = bytes.AsSpan(0, length);
        var issued = BinaryPrimitives.ReadInt64BigEndian(span[1..]);
        var created = BinaryPrimitives.ReadInt64BigEndian(span[9..]);
        var position = BinaryPrimitives.ReadInt64BigEndian(span[17..]);
        var nameLength = span[25];
        if (26 + nameLength >= length || 27 + nameLength + span[26 + nameLength] != length || position < 0)
        {
            throw Invalid();
        }

        var name = Encoding.UTF8.GetString(span.Slice(26, nameLength));
        var shard = Encoding.UTF8.GetString(span[(27 + nameLength)..]);

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lifetime = (long)StreamLimits.IteratorLifetime.TotalMilliseconds;
        if (now - issued > lifetime)
        {
            throw new AwsException(
                KinesisErrors.ExpiredIterator,
                $"Iterator expired. The iterator was created at time {DateTimeOffset.FromUnixTimeMilliseconds(issued):R} while right now it is "
                + $"{DateTimeOffset.FromUnixTimeMilliseconds(now):R} which is further in the future than the tolerated delay of {lifetime} milliseconds.");
        }

        return (name, created, new ShardPosition(shard, position));
    }

    private static AwsException Invalid() => KinesisErrors.Invalid("Invalid ShardIterator.");
}
