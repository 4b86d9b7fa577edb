namespace Spillway.Messaging.Streams.Internal;

/// <summary>
/// Where a shard's records lie in the log, in memory: per record its position, arrival time and payload length, in
/// chunks of plain arrays (20 bytes a record, no object per record), so a million records behind a consumer cost about
/// 20 MB while their bodies stay on disk. Records are numbered from 0 as they are added; trimming drops whole chunks
/// from the front. Not thread-safe: used under the stream's lock.
/// </summary>
internal sealed class ShardIndex
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<Chunk> chunks = [];
    private long firstChunk; // number of chunks[0]

    /// <summary>Number one past the newest record.</summary>
    public long End { get; private set; }

    /// <summary>Number of the oldest record kept.</summary>
    public long Start { get; private set; }

    public long Count => End - Start;

    public void Add(long position, long arrivalMs, int length)
    {
        var slot = (int)(End & (ChunkSize - 1));
        if (slot == 0)
        {
            chunks.Add(new Chunk());
        }

        var chunk = chunks[^1];
        chunk.Positions[slot] = position;
        chunk.Arrivals[slot] = arrivalMs;
        chunk.Lengths[slot] = length;
        End++;
    }

    public long Position(long number) => ChunkOf(number).Positions[number & (ChunkSize - 1)];

    public long Arrival(long number) => ChunkOf(number).Arrivals[number & (ChunkSize - 1)];

    public int Length(long number) => ChunkOf(number).Lengths[number & (ChunkSize - 1)];

    /// <summary>The first kept record at or after log position <paramref name="position"/>; <see cref="End"/> when none.</summary>
    public long FirstAtOrAfter(long position) => LowerBound(position, Position);

    /// <summary>The first kept record that arrived at or after <paramref name="arrivalMs"/>; <see cref="End"/> when none.</summary>
    public long FirstArrivedAtOrAfter(long arrivalMs) => LowerBound(arrivalMs, Arrival);

    /// <summary>Forgets every record numbered below <paramref name="number"/>.</summary>
    public void TrimTo(long number)
    {
        Start = Math.Clamp(number, Start, End);
        var drop = (int)Math.Min((Start >> ChunkBits) - firstChunk, chunks.Count);
        if (drop > 0)
        {
            chunks.RemoveRange(0, drop);
            firstChunk += drop;
        }
    }

    private Chunk ChunkOf(long number) => chunks[(int)((number >> ChunkBits) - firstChunk)];

    // Positions and arrival times both only grow along a shard, so both are searched the same way.
    private long LowerBound(long value, Func<long, long> key)
    {
        long low = Start, high = End;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (key(mid) < value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private sealed class Chunk
    {
        public long[] Positions { get; } = new long[ChunkSize];

        public long[] Arrivals { get; } = new long[ChunkSize];

        public int[] Lengths { get; } = new int[ChunkSize];
    }
}
