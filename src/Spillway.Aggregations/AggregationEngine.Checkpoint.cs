using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Spillway.Aggregations;

public sealed partial class AggregationEngine
{
    private static ReadOnlySpan<byte> Magic => "SPAG"u8;

    private const byte FormatVersion = 1;

    private readonly MemoryStream checkpointBuffer = new();

    /// <summary>
    /// The rows and late records emitted since the last call, with a snapshot of everything the engine holds after them
    /// (windows, keys, watermark, partitions) and the input <paramref name="positions"/> it covers. Store the three in one
    /// transaction: restoring the snapshot and reading on from the positions then gives exactly the rows an uninterrupted
    /// run gives.
    /// </summary>
    /// <param name="positions">Per shard, the last sequence number fed to the engine.</param>
    public AggregationOutput Checkpoint(IReadOnlyDictionary<string, string> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var output = TakeOutput();

        // The state is written into the buffer of the checkpoint before: growing a new one to the state's size each time
        // made three times its size of fresh memory per checkpoint, most of it on the large-object heap.
        var buffer = checkpointBuffer;
        buffer.SetLength(0);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Fingerprint(Definition));
            writer.Write(watermark);
            writer.Write(newestEventTime);
            writer.Write(recordsIn);
            writer.Write(filtered);
            writer.Write(lateCount);
            writer.Write(invalid);
            writer.Write(emitted);
            writer.Write(partitions.Count);
            foreach (var p in partitions)
            {
                writer.Write(p.Name);
                writer.Write(p.NewestEventTime);
                writer.Write(p.Closed);
            }

            writer.Write(positions.Count);
            foreach (var (shard, sequence) in positions)
            {
                writer.Write(shard);
                writer.Write(sequence);
            }

            writer.Write(keys.Count);
            for (var i = 0; i < keys.Count; i++)
            {
                writer.Write(keys.Spelling(i));
            }

            windows.Write(writer);
        }

        var crc = Crc32.HashToUInt32(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        buffer.Write(trailer);
        var snapshot = buffer.ToArray();
        stateBytes = snapshot.Length;
        return output with { Checkpoint = snapshot };
    }

    /// <summary>
    /// Puts a new engine in the state a <see cref="Checkpoint"/> snapshot recorded and returns the positions stored with it.
    /// Partitions it names come back closed until <see cref="OpenPartition"/> opens them again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The engine already took records.</exception>
    /// <exception cref="InvalidDataException">The snapshot is damaged, or was written for windows, keys or aggregates other
    /// than this definition's.</exception>
    public IReadOnlyDictionary<string, string> Restore(ReadOnlySpan<byte> snapshot)
    {
        if (recordsIn > 0 || keys.Count > 0 || partitions.Count > 0)
        {
            throw new InvalidOperationException("Restore a checkpoint into a new engine, before any record.");
        }

        if (snapshot.Length < 4 + 1 + 8 + 4 || !snapshot.StartsWith(Magic)
            || Crc32.HashToUInt32(snapshot[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(snapshot[^4..]))
        {
            throw new InvalidDataException("The aggregation checkpoint is damaged (its checksum does not match).");
        }

        using var reader = new BinaryReader(new MemoryStream(snapshot[..^4].ToArray()), Encoding.UTF8);
        reader.ReadBytes(Magic.Length);
        if (reader.ReadByte() != FormatVersion)
        {
            throw new InvalidDataException("The aggregation checkpoint has an unknown format version.");
        }

        if (reader.ReadUInt64() != Fingerprint(Definition))
        {
            throw new InvalidDataException(
                $"The checkpoint of aggregation '{Definition.Name}' was written for other keys, window or aggregates; it cannot be restored.");
        }

        try
        {
            watermark = reader.ReadInt64();
            newestEventTime = reader.ReadInt64();
            recordsIn = reader.ReadInt64();
            filtered = reader.ReadInt64();
            lateCount = reader.ReadInt64();
            invalid = reader.ReadInt64();
            emitted = reader.ReadInt64();
            var partitionCount = reader.ReadInt32();
            for (var i = 0; i < partitionCount; i++)
            {
                var p = new Partition(reader.ReadString()) { NewestEventTime = reader.ReadInt64(), Closed = reader.ReadBoolean() };
                p.Closed = true;
                partitionIndex.Add(p.Name, partitions.Count);
                partitions.Add(p);
            }

            var positions = new Dictionary<string, string>(StringComparer.Ordinal);
            var positionCount = reader.ReadInt32();
            for (var i = 0; i < positionCount; i++)
            {
                positions[reader.ReadString()] = reader.ReadString();
            }

            var keyCount = reader.ReadInt32();
            for (var i = 0; i < keyCount; i++)
            {
                keys.Add(reader.ReadString());
            }

            windows.Read(reader);
            stateBytes = snapshot.Length;
            lastRecordAt = lastEarlyAt = Now();
            return positions;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The aggregation checkpoint is truncated.", ex);
        }
    }

    // What the state's layout depends on: a checkpoint of other keys, windows or aggregates means nothing here.
    private static ulong Fingerprint(AggregationDefinition d)
    {
        var text = new StringBuilder()
            .Append(d.EventTimeField).Append('|')
            .AppendJoin(',', d.KeyFields.Select(k => k.Field)).Append('|')
            .Append(d.Window.Kind).Append(d.Window.Size.Ticks).Append(',').Append(d.Window.Slide.Ticks).Append(',').Append(d.Window.Gap.Ticks).Append('|')
            .AppendJoin(',', d.Aggregates.Select(a => $"{a.Function}:{a.Field}:{a.Percentile}"))
            .ToString();
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text));
    }
}
