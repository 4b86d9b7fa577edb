using System.Collections.ObjectModel;

namespace Spillway.Messaging;

public sealed partial record QueueDefinition
{
    /// <summary>Long-poll wait of a receive that does not name one. 0–20 s; defaults to 0 (short polling).</summary>
    public TimeSpan ReceiveMessageWaitTime { get; init; } = TimeSpan.Zero;

    /// <summary>Which queues may use this queue as their dead-letter queue; null (the default) allows every queue.</summary>
    public RedriveAllowPolicy? RedriveAllowPolicy { get; init; }

    /// <summary>
    /// Cost-allocation style tags: at most 50; keys 1–128 characters, values 0–256, both of Unicode letters, digits,
    /// white space and <c>_ . : / = + - @</c>; keys starting with <c>aws:</c> are reserved. Defaults to none.
    /// Changed after creation with <see cref="QueueEngine.TagQueueAsync"/> and <see cref="QueueEngine.UntagQueueAsync"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}

/// <summary>Who may send dead letters to a queue, as SQS's <c>redrivePermission</c>.</summary>
public enum RedrivePermission
{
    /// <summary>Any queue may use it as its dead-letter queue.</summary>
    AllowAll,

    /// <summary>No queue may use it as its dead-letter queue.</summary>
    DenyAll,

    /// <summary>Only the queues listed in <see cref="RedriveAllowPolicy.SourceQueues"/> (1–10 of them).</summary>
    ByQueue,
}

/// <summary>A dead-letter queue's redrive-allow policy: which source queues may name it in their redrive policy.</summary>
/// <param name="Permission">allowAll, denyAll or byQueue.</param>
/// <param name="SourceQueues">With <see cref="RedrivePermission.ByQueue"/>, the 1–10 queue names allowed; otherwise empty.</param>
public sealed record RedriveAllowPolicy(RedrivePermission Permission, IReadOnlyList<string>? SourceQueues = null)
{
    /// <summary>Whether <paramref name="sourceQueue"/> may name this queue as its dead-letter queue.</summary>
    public bool Allows(string sourceQueue) => Permission switch
    {
        RedrivePermission.AllowAll => true,
        RedrivePermission.ByQueue => SourceQueues?.Contains(sourceQueue, StringComparer.Ordinal) == true,
        _ => false,
    };
}
