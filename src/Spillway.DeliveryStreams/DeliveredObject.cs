namespace Spillway.DeliveryStreams;

/// <summary>
/// One file a delivery stream hands to its destination: the whole content, written by <see cref="WriteAsync"/> (which
/// may be called again for a retry and then writes the same bytes). The key is fixed by the records it holds, so a
/// delivery repeated after a crash replaces the object with an identical one and never makes a second.
/// </summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object's key: the evaluated prefix and Firehose's object name.</param>
/// <param name="ContentEncoding"><c>gzip</c> for compressed files; null otherwise.</param>
/// <param name="Records">How many records the file holds.</param>
/// <param name="WriteAsync">Writes the content to the stream it is given.</param>
public sealed record DeliveredObject(string Bucket, string Key, string? ContentEncoding, int Records, Func<Stream, CancellationToken, Task> WriteAsync);

/// <summary>Stores a file whole, replacing any under its key; a failure (thrown) is retried with back-off.</summary>
public delegate Task DeliveryWriter(DeliveredObject file, CancellationToken cancellationToken);

/// <summary>Counters of a delivery stream since it opened, and its buffer now.</summary>
/// <param name="IncomingRecords">Records put.</param>
/// <param name="IncomingBytes">Data bytes put.</param>
/// <param name="BufferedRecords">Records waiting for their file.</param>
/// <param name="BufferedBytes">Data bytes waiting for their file.</param>
/// <param name="ActivePartitions">Partitions with records waiting.</param>
/// <param name="FilesWritten">Files delivered.</param>
/// <param name="BytesWritten">Bytes of the delivered files (compressed when they are).</param>
/// <param name="RecordsDelivered">Records in delivered files, error files included.</param>
/// <param name="RecordsFailed">Records written to the error prefix.</param>
/// <param name="DeliveryFailures">Attempts to write a file that failed and were retried.</param>
/// <param name="LastDeliveryLatency">For the last file, from its oldest record's arrival to the file being stored.</param>
public readonly record struct DeliveryStreamStatistics(
    long IncomingRecords,
    long IncomingBytes,
    long BufferedRecords,
    long BufferedBytes,
    int ActivePartitions,
    long FilesWritten,
    long BytesWritten,
    long RecordsDelivered,
    long RecordsFailed,
    long DeliveryFailures,
    TimeSpan? LastDeliveryLatency);
