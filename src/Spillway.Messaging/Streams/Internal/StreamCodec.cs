using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Spillway.Messaging.Streams.Internal;

/// <summary>
/// Byte layout of a stream's log records (see docs/storage-format.md) and the names derived from log positions.
/// A record: u8 version, i32 shard index, i64 arrival (Unix ms), u16 partition key length, the key in UTF-8, then
/// the data to the end of the payload. Little-endian.
/// </summary>
internal static class StreamCodec
{
    public const byte RecordType = 1;
    public const byte Version = 1;
    public const int HeaderSize = 1 + 4 + 8 + 2;

    // Sequence numbers: "49", the log position in 20 digits, the shard index in 6: fixed width, so they grow per shard
    // as numbers and as strings, match Kinesis's pattern (no leading zero), and name the shard they belong to.
    private const string SequencePrefix = "49";
    private const int SequenceLength = 2 + 20 + 6;

    public static int Size(int keyBytes, int dataBytes) => HeaderSize + keyBytes + dataBytes;

    public static void Encode(Span<byte> destination, int shard, long arrivalMs, string key, int keyBytes, ReadOnlySpan<byte> data)
    {
        destination[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(destination[1..], shard);
        BinaryPrimitives.WriteInt64LittleEndian(destination[5..], arrivalMs);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[13..], (ushort)keyBytes);
        Encoding.UTF8.GetBytes(key, destination.Slice(HeaderSize, keyBytes));
        data.CopyTo(destination[(HeaderSize + keyBytes)..]);
    }

    /// <summary>Sets the shard and arrival time of an encoded record: both are known only under the stream's lock.</summary>
    public static void Stamp(Span<byte> payload, int shard, long arrivalMs)
    {
        BinaryPrimitives.WriteInt32LittleEndian(payload[1..], shard);
        BinaryPrimitives.WriteInt64LittleEndian(payload[5..], arrivalMs);
    }

    /// <summary>The shard and arrival time of a record, without decoding the rest (recovery reads only these).</summary>
    public static (int Shard, long ArrivalMs) ReadHeader(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize || payload[0] != Version)
        {
            throw new InvalidDataException($"Unsupported stream record (version {(payload.IsEmpty ? -1 : payload[0])}).");
        }

        return (BinaryPrimitives.ReadInt32LittleEndian(payload[1..]), BinaryPrimitives.ReadInt64LittleEndian(payload[5..]));
    }

    /// <summary>The partition key and data of a record whose payload lies in <paramref name="buffer"/>.</summary>
    public static (string Key, ReadOnlyMemory<byte> Data) ReadBody(ReadOnlyMemory<byte> buffer)
    {
        var span = buffer.Span;
        var keyBytes = BinaryPrimitives.ReadUInt16LittleEndian(span[13..]);
        var key = Encoding.UTF8.GetString(span.Slice(HeaderSize, keyBytes));
        return (key, buffer[(HeaderSize + keyBytes)..]);
    }

    public static string SequenceNumber(long position, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{SequencePrefix}{position:D20}{shard:D6}");

    /// <summary>Parses a sequence number this engine gave out; false for anything else.</summary>
    public static bool TryParseSequenceNumber(string? sequenceNumber, out long position, out int shard)
    {
        position = 0;
        shard = 0;
        return sequenceNumber is { Length: SequenceLength }
            && sequenceNumber.StartsWith(SequencePrefix, StringComparison.Ordinal)
            && long.TryParse(sequenceNumber.AsSpan(2, 20), NumberStyles.None, CultureInfo.InvariantCulture, out position)
            && int.TryParse(sequenceNumber.AsSpan(22, 6), NumberStyles.None, CultureInfo.InvariantCulture, out shard);
    }

    public static string ShardId(int index) => string.Create(CultureInfo.InvariantCulture, $"shardId-{index:D12}");

    public static bool TryParseShardId(string? shardId, out int index)
    {
        index = -1;
        return shardId is { Length: 20 }
            && shardId.StartsWith("shardId-", StringComparison.Ordinal)
            && int.TryParse(shardId.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>MD5 of the UTF-8 partition key read as a big-endian 128-bit integer, as Kinesis routes records.</summary>
    public static UInt128 HashKey(string partitionKey)
    {
        Span<byte> hash = stackalloc byte[16];
        var keyBytes = Encoding.UTF8.GetByteCount(partitionKey);
        var buffer = keyBytes <= 1024 ? stackalloc byte[keyBytes] : new byte[keyBytes];
        Encoding.UTF8.GetBytes(partitionKey, buffer);
        MD5.HashData(buffer, hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>The hash-key ranges of <paramref name="count"/> equal shards over [low, high], as Kinesis divides them.</summary>
    public static (UInt128 Start, UInt128 End)[] EvenRanges(UInt128 low, UInt128 high, int count)
    {
        // The width is (high - low + 1) / count, computed without overflowing when the range is all of 2^128.
        var span = high - low;
        var divisor = (UInt128)(uint)count;
        var width = (span / divisor) + (span % divisor == divisor - 1 ? UInt128.One : UInt128.Zero);
        var ranges = new (UInt128, UInt128)[count];
        for (var i = 0; i < count; i++)
        {
            var start = low + (width * (uint)i);
            ranges[i] = (start, i == count - 1 ? high : start + width - 1);
        }

        return ranges;
    }
}
