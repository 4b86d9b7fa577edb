namespace Spillway.Messaging;

/// <summary>A queue's durable definition. Ranges and defaults follow Amazon SQS.</summary>
public sealed partial record QueueDefinition
{
    /// <summary>Queue name: 1–80 characters of letters, digits, '-' and '_' (a FIFO queue ends in ".fifo").</summary>
    public required string Name { get; init; }

    /// <summary>How long a received message stays hidden. 0 s–12 h; defaults to 30 s.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay before a new message becomes visible. 0–900 s; defaults to 0.</summary>
    public TimeSpan DeliveryDelay { get; init; } = TimeSpan.Zero;

    /// <summary>How long a message is kept. 60 s–14 days; defaults to 4 days.</summary>
    public TimeSpan MessageRetentionPeriod { get; init; } = TimeSpan.FromDays(4);

    /// <summary>Largest message body accepted, in bytes. 1 KiB–1 MiB; defaults to 1 MiB.</summary>
    public int MaximumMessageSize { get; init; } = 1024 * 1024;

    /// <summary>Where messages go after too many receives; null for none. A FIFO queue's dead-letter queue is a FIFO
    /// queue, a standard queue's a standard queue.</summary>
    public RedrivePolicy? RedrivePolicy { get; init; }

    /// <summary>True for a FIFO queue; must agree with the name (a FIFO queue's name ends in ".fifo"). Defaults to false.</summary>
    public bool FifoQueue { get; init; }

    /// <summary>FIFO only: a send without a deduplication id is deduplicated by the SHA-256 of its body. Defaults to false.</summary>
    public bool ContentBasedDeduplication { get; init; }

    /// <summary>FIFO only: whether deduplication ids are unique per queue or per message group. Defaults to queue.</summary>
    public DeduplicationScope DeduplicationScope { get; init; } = DeduplicationScope.Queue;

    /// <summary>FIFO only: the unit of the send quota (<see cref="QueueEngineOptions.FifoSendRateLimit"/>, none by
    /// default): the whole queue or each message group; perMessageGroupId needs messageGroup deduplication scope.
    /// Defaults to perQueue.</summary>
    public FifoThroughputLimit FifoThroughputLimit { get; init; } = FifoThroughputLimit.PerQueue;

    /// <summary>The engine's rule for <see cref="Name"/>: 1-80 letters, digits, '-' or '_'; a FIFO queue's name ends in
    /// ".fifo", which counts toward the 80.</summary>
    public static bool IsValidName(string? name) => QueueLimits.IsValidName(name);

    /// <summary>
    /// Checks the definition against <see cref="QueueLimits"/>, as creating the queue would: an
    /// <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> names the property at fault
    /// (<c>RedrivePolicy.DeadLetterQueue</c>, <c>RedrivePolicy.MaxReceiveCount</c> for the redrive policy's parts).
    /// </summary>
    public void Validate() => Internal.DefinitionRules.Validate(this);

    /// <summary>True when <paramref name="name"/> ends in ".fifo", the suffix a FIFO queue's name must carry.</summary>
    public static bool IsFifoName(string? name) => QueueLimits.IsFifoName(name);
}

/// <summary>Moves a message to <paramref name="DeadLetterQueue"/> once it has been received more than
/// <paramref name="MaxReceiveCount"/> times (1–1000).</summary>
public sealed record RedrivePolicy(string DeadLetterQueue, int MaxReceiveCount);
