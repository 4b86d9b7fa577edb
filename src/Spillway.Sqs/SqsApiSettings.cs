using Spillway.Messaging;

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

    /// <summary>
    /// The rule a queue's bodies must pass, by queue name (null for none): SendMessage and SendMessageBatch refuse a body
    /// it refuses with InvalidMessageContents and the rule's words, so nothing is stored that the queue's consumers could
    /// never store. Defaults to no rule for any queue.
    /// </summary>
    public Func<string, IMessageBodyRule?> BodyRules { get; init; } = static _ => null;

    /// <summary>Where the API keeps what SQS reports but the engine does not hold (creation times, access policies);
    /// null keeps it in memory only. Defaults to null.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>The clock for timestamps, signatures and SQS's 60-second purge interval. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// When set, every request is refused with AccessDenied and this reason: the host found the API must not be served
    /// (no credentials while listening beyond loopback). Defaults to null.
    /// </summary>
    public string? RefusalReason { get; init; }
}
