namespace Spillway.DeliveryStreams.Transform;

/// <summary>
/// A transform of each file's records through a function (Firehose's Lambda processor): before the file is written its
/// records are POSTed, in calls of at most <see cref="BufferSizeMiB"/>, as Firehose's transformation event, and each comes
/// back Ok (with new data), Dropped or ProcessingFailed. A call that fails is retried <see cref="NumberOfRetries"/> times;
/// then its records go to the error prefix as <c>processing-failed</c>.
/// </summary>
public sealed record RecordTransform
{
    /// <summary>The range and default of <see cref="NumberOfRetries"/>, Firehose's.</summary>
    public const int MaxRetries = 300, DefaultRetries = 3;

    /// <summary>The range and default of <see cref="BufferSizeMiB"/>, Firehose's for a Lambda processor.</summary>
    public const double MinBufferMiB = 0.2, MaxBufferMiB = 3, DefaultBufferMiB = 1;

    /// <summary>The range and default of <see cref="BufferInterval"/> in seconds, Firehose's for a Lambda processor.</summary>
    public const int MinIntervalSeconds = 60, MaxIntervalSeconds = 900, DefaultIntervalSeconds = 60;

    /// <summary>The function, as the processor's <c>LambdaArn</c> names it: an http(s) URL, or a Lambda function ARN
    /// (<c>arn:aws:lambda:…:function:name</c>) or name that <see cref="DeliveryFunctions"/> knows. Required.</summary>
    public required string Function { get; init; }

    /// <summary>Retries of a call that failed as a whole: 0–300, default 3.</summary>
    public int NumberOfRetries { get; init; } = DefaultRetries;

    /// <summary>The most record data one call carries, in MiB: 0.2–3, default 1. A call holds at least one record.</summary>
    public double BufferSizeMiB { get; init; } = DefaultBufferMiB;

    /// <summary>Accepted and shown back (60–900 s, default 60 s); the transform runs when the destination's hints cut a
    /// file, so only those hints decide when records leave.</summary>
    public TimeSpan BufferInterval { get; init; } = TimeSpan.FromSeconds(DefaultIntervalSeconds);

    /// <summary>The most record data one call carries, in bytes.</summary>
    public long BufferSizeBytes => (long)(BufferSizeMiB * 1024 * 1024);

    /// <summary>Checks every bound; the <see cref="ArgumentException"/>'s message names the parameter.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Function))
        {
            throw new ArgumentException("A Lambda processor needs the LambdaArn parameter: a function's ARN or an http(s) URL.");
        }

        if (NumberOfRetries is < 0 or > MaxRetries)
        {
            throw new ArgumentException($"NumberOfRetries must be between 0 and {MaxRetries}; it is {NumberOfRetries}.");
        }

        if (!(BufferSizeMiB >= MinBufferMiB && BufferSizeMiB <= MaxBufferMiB))
        {
            throw new ArgumentException($"The Lambda processor's BufferSizeInMBs must be between {MinBufferMiB} and {MaxBufferMiB}.");
        }

        if (BufferInterval < TimeSpan.FromSeconds(MinIntervalSeconds) || BufferInterval > TimeSpan.FromSeconds(MaxIntervalSeconds))
        {
            throw new ArgumentException(
                $"The Lambda processor's BufferIntervalInSeconds must be between {MinIntervalSeconds} and {MaxIntervalSeconds}.");
        }
    }
}
