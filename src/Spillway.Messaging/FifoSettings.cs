namespace Spillway.Messaging;

/// <summary>Whether a FIFO queue's deduplication ids are unique per queue or per message group.</summary>
public enum DeduplicationScope
{
    /// <summary>An id deduplicates against every message of the queue.</summary>
    Queue,

    /// <summary>An id deduplicates only within its message group.</summary>
    MessageGroup,
}

/// <summary>The unit SQS applies a FIFO queue's throughput quota to.</summary>
public enum FifoThroughputLimit
{
    /// <summary>One quota for the whole queue.</summary>
    PerQueue,

    /// <summary>One quota per message group (SQS's high-throughput mode; needs <see cref="DeduplicationScope.MessageGroup"/>).</summary>
    PerMessageGroupId,
}
