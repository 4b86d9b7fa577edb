namespace Spillway.Messaging.Internal;

/// <summary>
/// Checks queue definitions and requests against <see cref="QueueLimits"/>; a violation is an <see cref="ArgumentException"/>
/// naming the field.
/// </summary>
internal static partial class DefinitionRules
{
    // The engine's own bounds on one call (the SQS API's are QueueLimits.MaxBatchEntries and MaxReceiveMessages).
    public const int MaxReceiveBatch = 10_000;
    public const int MaxSendBatch = 10_000;

    /// <summary>The parameter name of a refused dead-letter queue, so a caller can tell which setting was at fault.</summary>
    public const string DeadLetterQueueField = "RedrivePolicy.DeadLetterQueue";

    /// <summary>The parameter name of a refused maxReceiveCount.</summary>
    public const string MaxReceiveCountField = "RedrivePolicy.MaxReceiveCount";

    public static bool IsFifoName(string? name) => QueueLimits.IsFifoName(name);

    public static bool IsValidName(string? name) => QueueLimits.IsValidName(name);

    public static void Validate(QueueDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!IsValidName(definition.Name))
        {
            throw new ArgumentException(
                $"Queue name '{definition.Name}' must be {QueueLimits.NameRule}.",
                nameof(QueueDefinition.Name));
        }

        FifoRules.ValidateDefinition(definition);

        Range(definition.VisibilityTimeout, TimeSpan.Zero, QueueLimits.MaxVisibilityTimeout, nameof(QueueDefinition.VisibilityTimeout));
        Range(definition.DeliveryDelay, TimeSpan.Zero, QueueLimits.MaxDelay, nameof(QueueDefinition.DeliveryDelay));
        Range(
            definition.MessageRetentionPeriod, QueueLimits.MinRetention, QueueLimits.MaxRetention, nameof(QueueDefinition.MessageRetentionPeriod));
        if (definition.MaximumMessageSize is < QueueLimits.MinMessageSize or > QueueLimits.MaxMessageSize)
        {
            throw new ArgumentException(
                $"MaximumMessageSize must be {QueueLimits.MinMessageSize:N0}-{QueueLimits.MaxMessageSize:N0} bytes.",
                nameof(QueueDefinition.MaximumMessageSize));
        }

        if (definition.RedrivePolicy is { } redrive)
        {
            if (!IsValidName(redrive.DeadLetterQueue) || redrive.DeadLetterQueue == definition.Name)
            {
                throw new ArgumentException("RedrivePolicy.DeadLetterQueue must name another queue.", DeadLetterQueueField);
            }

            if (redrive.MaxReceiveCount is < QueueLimits.MinMaxReceiveCount or > QueueLimits.MaxMaxReceiveCount)
            {
                throw new ArgumentException(
                    $"RedrivePolicy.MaxReceiveCount must be {QueueLimits.MinMaxReceiveCount}-{QueueLimits.MaxMaxReceiveCount}.",
                    MaxReceiveCountField);
            }
        }

        ValidatePolicies(definition);
    }

    public static void Range(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
    }
}
