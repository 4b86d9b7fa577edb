namespace Spillway.Messaging;

/// <summary>Where a message move task is in its life (SQS's RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED).</summary>
public enum MessageMoveTaskState
{
    Running,
    Completed,
    Cancelling,
    Cancelled,
    Failed,
}

/// <summary>A message move task as ListMessageMoveTasks reports it.</summary>
public sealed record MessageMoveTaskStatus
{
    /// <summary>The handle that <see cref="QueueEngine.CancelMessageMoveTaskAsync"/> takes.</summary>
    public required string TaskHandle { get; init; }

    public required MessageMoveTaskState Status { get; init; }

    /// <summary>The dead-letter queue the messages move out of.</summary>
    public required string SourceQueue { get; init; }

    /// <summary>Where they move; null when each message goes back to the queue it was dead-lettered from.</summary>
    public string? DestinationQueue { get; init; }

    /// <summary>The rate limit; null when the task moves as fast as it can.</summary>
    public int? MaxNumberOfMessagesPerSecond { get; init; }

    public long ApproximateNumberOfMessagesMoved { get; init; }

    /// <summary>Messages visible in the source when the task started: the most it moves.</summary>
    public long ApproximateNumberOfMessagesToMove { get; init; }

    /// <summary>Why a <see cref="MessageMoveTaskState.Failed"/> task stopped.</summary>
    public string? FailureReason { get; init; }

    public DateTimeOffset StartedTimestamp { get; init; }
}
