namespace Spillway.Sqs;

/// <summary>What the host tells the SQS API about its surroundings (as opposed to <see cref="SqsOptions"/>, which
/// operators configure).</summary>
public sealed class SqsApiSettings
{
    /// <summary>
    /// Queues the host's configuration owns, each with the configuration key that defines it (for the error message).
    /// DeleteQueue refuses them: the pipeline behind a route or a worker must not lose its queue. Defaults to none.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfiguredQueues { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Where the API keeps what SQS reports but the engine does not hold (creation times, access policies);
    /// null keeps it in memory only. Defaults to null.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>The clock for timestamps and SQS's 60-second purge interval. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// When set, every request is refused with AccessDenied and this reason: the host found the API must not be served
    /// (no credentials while listening beyond loopback). Defaults to null.
    /// </summary>
    public string? RefusalReason { get; init; }
}
