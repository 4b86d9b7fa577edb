namespace Spillway.Messaging.Streams.Internal;

/// <summary>
/// A shard's Kinesis quotas as token buckets on the engine clock, each holding one second's worth: writes of
/// <see cref="StreamLimits.ShardWriteRecordsPerSecond"/> records and <see cref="StreamLimits.ShardWriteBytesPerSecond"/>
/// bytes, reads of <see cref="StreamLimits.ShardReadCallsPerSecond"/> calls and
/// <see cref="StreamLimits.ShardReadBytesPerSecond"/> bytes. A read may take more bytes than the bucket holds (one
/// GetRecords returns up to 10 MiB, as in Kinesis) and the debt then refuses reads until it is paid back.
/// Not thread-safe: used under the stream's lock.
/// </summary>
internal sealed class ShardQuota(long nowMs)
{
    private Bucket writeRecords = new(StreamLimits.ShardWriteRecordsPerSecond, StreamLimits.ShardWriteRecordsPerSecond, nowMs);
    private Bucket writeBytes = new(StreamLimits.ShardWriteBytesPerSecond, StreamLimits.ShardWriteBytesPerSecond, nowMs);
    private Bucket readCalls = new(StreamLimits.ShardReadCallsPerSecond, StreamLimits.ShardReadCallsPerSecond, nowMs);
    private Bucket readBytes = new(StreamLimits.ShardReadBytesPerSecond, StreamLimits.ShardReadBytesPerSecond, nowMs);

    /// <summary>Takes one record of <paramref name="bytes"/> from the write quota; false (nothing taken) when it does not fit.</summary>
    public bool TryWrite(int bytes, long nowMs)
    {
        writeRecords = writeRecords.Refill(nowMs);
        writeBytes = writeBytes.Refill(nowMs);
        if (writeRecords.Tokens < 1 || writeBytes.Tokens < bytes)
        {
            return false;
        }

        writeRecords = writeRecords with { Tokens = writeRecords.Tokens - 1 };
        writeBytes = writeBytes with { Tokens = writeBytes.Tokens - bytes };
        return true;
    }

    /// <summary>Takes one read call; when refused, how long until one fits.</summary>
    public bool TryRead(long nowMs, out TimeSpan retryAfter)
    {
        readCalls = readCalls.Refill(nowMs);
        readBytes = readBytes.Refill(nowMs);
        retryAfter = TimeSpan.Zero;
        if (readCalls.Tokens >= 1 && readBytes.Tokens > 0)
        {
            readCalls = readCalls with { Tokens = readCalls.Tokens - 1 };
            return true;
        }

        var calls = readCalls.Tokens >= 1 ? 0 : (1 - readCalls.Tokens) * 1000 / readCalls.PerSecond;
        var bytes = readBytes.Tokens > 0 ? 0 : (1 - readBytes.Tokens) * 1000 / readBytes.PerSecond;
        retryAfter = TimeSpan.FromMilliseconds(Math.Ceiling(Math.Max(calls, bytes)));
        return false;
    }

    /// <summary>Charges the bytes a read returned.</summary>
    public void ChargeRead(long bytes) => readBytes = readBytes with { Tokens = readBytes.Tokens - bytes };

    private readonly record struct Bucket(double PerSecond, double Tokens, long AtMs)
    {
        public Bucket Refill(long nowMs) => nowMs <= AtMs
            ? this
            : this with { Tokens = Math.Min(PerSecond, Tokens + ((nowMs - AtMs) * PerSecond / 1000.0)), AtMs = nowMs };
    }
}
