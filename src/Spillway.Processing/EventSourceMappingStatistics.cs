namespace Spillway.Processing;

/// <summary>A snapshot of an <see cref="EventSourceMapping"/>'s figures, for metrics and tests.</summary>
/// <param name="Batches">Handler invocations that finished (including failed ones; retries after an outage count once).</param>
/// <param name="Messages">Messages handed to the handler in finished invocations.</param>
/// <param name="SucceededMessages">Messages handled and deleted.</param>
/// <param name="FailedMessages">Messages reported failed (or in a failed batch), left to reappear.</param>
/// <param name="FailedBatches">Invocations that failed as a whole: the handler threw or answered something invalid.</param>
/// <param name="UnavailableRetries">Times a batch was held and retried because its sink was unavailable.</param>
/// <param name="CurrentConcurrency">Handler invocations running now.</param>
/// <param name="PeakConcurrency">Most handler invocations ever running at once.</param>
/// <param name="LastBatchDuration">How long the last finished invocation took, retries included; zero before the first.</param>
/// <param name="Paused">True while receiving is paused because the sink is unavailable.</param>
public sealed record EventSourceMappingStatistics(
    long Batches,
    long Messages,
    long SucceededMessages,
    long FailedMessages,
    long FailedBatches,
    long UnavailableRetries,
    int CurrentConcurrency,
    int PeakConcurrency,
    TimeSpan LastBatchDuration,
    bool Paused);
