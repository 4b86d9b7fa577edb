namespace Spillway.DeliveryStreams.Internal;

/// <summary>A record waiting for its file: where it lies in the log, its data's size, when it arrived, and the bytes its
/// source position takes in the log (0 for a direct put).</summary>
internal readonly record struct BufferedRecord(long Position, int DataLength, long ArrivalMs, int SourceBytes = 0);

/// <summary>The records of one partition waiting for their file, in log order. Guarded by the stream's lock.</summary>
internal sealed class PartitionBuffer(string partition)
{
    public string Partition { get; } = partition;

    public List<BufferedRecord> Records { get; } = [];

    public long Bytes { get; private set; }

    /// <summary>When the oldest record arrived: the interval hint counts from it.</summary>
    public long OldestArrivalMs => Records[0].ArrivalMs;

    public void Add(BufferedRecord record)
    {
        Records.Add(record);
        Bytes += record.DataLength;
    }

    /// <summary>Takes the records before <paramref name="position"/> (all of them while the log is live).</summary>
    public BufferedRecord[] TakeBefore(long position)
    {
        var count = 0;
        while (count < Records.Count && Records[count].Position < position)
        {
            count++;
        }

        var taken = Records.GetRange(0, count).ToArray();
        Records.RemoveRange(0, count);
        foreach (var record in taken)
        {
            Bytes -= record.DataLength;
        }

        return taken;
    }
}

/// <summary>A file owed: the records a cut took, identified by the cut's position in the log; once the transform has run
/// (and its outcomes are durable), what it made of each record.</summary>
internal sealed record PendingFile(long CutPosition, string Partition, BufferedRecord[] Records, Task Durable)
{
    public Transform.TransformedRecord[]? Transformed { get; set; }
}
