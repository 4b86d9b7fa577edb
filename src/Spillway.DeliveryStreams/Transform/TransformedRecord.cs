namespace Spillway.DeliveryStreams.Transform;

/// <summary>What the transform made of one record.</summary>
internal enum TransformResult : byte
{
    /// <summary>Kept, with the data the function returned.</summary>
    Ok = 1,

    /// <summary>Left out of every file, as the function asked.</summary>
    Dropped = 2,

    /// <summary>Written to the error prefix as <c>processing-failed</c>, with the data as put.</summary>
    Failed = 3,
}

/// <summary>
/// One record after the transform, as kept in the log so that a file written again after a crash holds what the function
/// answered the first time: the result, the data (new for Ok, as put for Failed, none for Dropped), and for a failure the
/// attempts made, when the last one ended, and Firehose's error code and message.
/// </summary>
internal sealed record TransformedRecord(
    TransformResult Result, int Attempts, long EndingMs, string? ErrorCode, string? ErrorMessage, ReadOnlyMemory<byte> Data);

/// <summary>A call of the transform that failed as a whole; every record of the call fails with this code unless a retry succeeds.</summary>
internal sealed class TransformCallException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
