namespace Spillway.Objects.Events;

/// <summary>
/// Sends object events to their destinations; the host binds it to its queues, topics and functions, which this
/// library does not know.
/// </summary>
public interface IObjectEventPublisher
{
    /// <summary>Throws <see cref="ObjectStoreException"/> (<see cref="ObjectError.InvalidArgument"/>) when the rule's
    /// destination does not exist, as S3 refuses a configuration it cannot validate.</summary>
    void CheckTarget(ObjectEventRule rule);

    /// <summary>Sends one event message; completes once the destination holds it durably. A destination that no longer
    /// exists drops the event (counted), as S3 does; a failure to store it throws, so the change that raised it is not
    /// acknowledged and its client tries again.</summary>
    Task PublishAsync(ObjectEventRule rule, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);
}
