namespace Spillway.DeliveryStreams.Destinations;

/// <summary>
/// Delivery to an HTTP endpoint in Firehose's request shape: each buffer is POSTed as
/// <c>{"requestId", "timestamp", "records": [{"data": base64}]}</c> and must be answered 200 with the same
/// <c>requestId</c>. A buffer that is not accepted is retried with back-off until <see cref="RetryDuration"/> has passed
/// since its first failure, then backed up in the stream's bucket under the error type <see cref="DeliveryStream.HttpEndpointFailed"/>.
/// At least once, as Firehose: a buffer whose answer was lost is sent again, with the same request id.
/// </summary>
public sealed record HttpEndpointDestination
{
    /// <summary>The longest retry duration Firehose allows: 7,200 s.</summary>
    public const int MaxRetrySeconds = 7200;

    /// <summary>Firehose's default retry duration: 300 s.</summary>
    public const int DefaultRetrySeconds = 300;

    /// <summary>The longest access key Firehose takes: 4,096 characters.</summary>
    public const int MaxAccessKeyLength = 4096;

    /// <summary>The URL each buffer is POSTed to, http or https. Required.</summary>
    public required Uri Url { get; init; }

    /// <summary>The endpoint's display name; null: none.</summary>
    public string? Name { get; init; }

    /// <summary>Sent verbatim in <c>X-Amz-Firehose-Access-Key</c>; never shown back. Null: the header is not sent.</summary>
    public string? AccessKey { get; init; }

    /// <summary>Whether the body is gzip-compressed (<c>Content-Encoding: gzip</c>); default false (Firehose's NONE).</summary>
    public bool Gzip { get; init; }

    /// <summary>Sent in <c>X-Amz-Firehose-Common-Attributes</c> as <c>{"commonAttributes": {…}}</c>; default none.</summary>
    public IReadOnlyDictionary<string, string> CommonAttributes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How long a failing buffer is retried, from its first failure: 0–7,200 s, default 300 s (Firehose's).
    /// Zero: one attempt.</summary>
    public TimeSpan RetryDuration { get; init; } = TimeSpan.FromSeconds(DefaultRetrySeconds);

    /// <summary>How long one request may take, answer included, before it counts as failed: 3 minutes, Firehose's.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Whether every buffer is also written to the bucket (Firehose's S3BackupMode AllData); default false
    /// (FailedDataOnly): only buffers that could not be delivered are.</summary>
    public bool BackupAllData { get; init; }

    /// <summary>Checks every rule; the message of the <see cref="ArgumentException"/> says which one failed.</summary>
    public void Validate()
    {
        if (!Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"EndpointConfiguration.Url '{Url}' is not an absolute http or https URL.");
        }

        if (AccessKey is { Length: > MaxAccessKeyLength })
        {
            throw new ArgumentException($"EndpointConfiguration.AccessKey is at most {MaxAccessKeyLength} characters.");
        }

        // Each goes into a header as it is: a control character would break the request on every attempt.
        if (AccessKey is { } key && key.Any(char.IsControl))
        {
            throw new ArgumentException("EndpointConfiguration.AccessKey must not contain control characters.");
        }

        foreach (var (name, value) in CommonAttributes)
        {
            if (name.Length == 0 || name.Any(char.IsControl) || value.Any(char.IsControl))
            {
                throw new ArgumentException($"The common attribute '{name}' needs a name, and neither may contain control characters.");
            }
        }

        if (RetryDuration < TimeSpan.Zero || RetryDuration > TimeSpan.FromSeconds(MaxRetrySeconds))
        {
            throw new ArgumentException($"RetryOptions.DurationInSeconds must be between 0 and {MaxRetrySeconds}.");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("An HTTP endpoint's request timeout must be more than zero.");
        }
    }

    /// <summary>The settings without the access key, which may be a secret.</summary>
    public override string ToString() => $"HttpEndpointDestination {{ Url = {Url}, Name = {Name}, Gzip = {Gzip} }}";
}
