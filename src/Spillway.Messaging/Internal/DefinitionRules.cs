namespace Spillway.Messaging.Internal;

/// <summary>SQS's ranges for queue definitions and requests; a violation is an <see cref="ArgumentException"/> naming the field.</summary>
internal static partial class DefinitionRules
{
    public const int MaxAttributes = 10;
    public const int MaxReceiveBatch = 10_000;
    public const int MaxSendBatch = 10_000;
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(900);
    public static readonly TimeSpan MaxWaitTime = TimeSpan.FromSeconds(20);

    public const string FifoSuffix = ".fifo";

    public static bool IsFifoName(string? name) => name?.EndsWith(FifoSuffix, StringComparison.Ordinal) == true;

    /// <summary>1-80 letters, digits, '-' or '_'; a FIFO queue's name ends in ".fifo", which counts toward the 80.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 80)
        {
            return false;
        }

        var stem = IsFifoName(name) ? name[..^FifoSuffix.Length] : name;
        if (stem.Length == 0)
        {
            return false;
        }

        foreach (var c in stem)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static void Validate(QueueDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!IsValidName(definition.Name))
        {
            throw new ArgumentException(
                $"Queue name '{definition.Name}' must be 1-80 letters, digits, '-' or '_' (a FIFO queue's ending in '.fifo').",
                nameof(definition));
        }

        FifoRules.ValidateDefinition(definition);

        Range(definition.VisibilityTimeout, TimeSpan.Zero, MaxVisibilityTimeout, nameof(QueueDefinition.VisibilityTimeout));
        Range(definition.DeliveryDelay, TimeSpan.Zero, MaxDelay, nameof(QueueDefinition.DeliveryDelay));
        Range(
            definition.MessageRetentionPeriod,
            TimeSpan.FromSeconds(60),
            TimeSpan.FromDays(14),
            nameof(QueueDefinition.MessageRetentionPeriod));
        if (definition.MaximumMessageSize is < 1024 or > 1024 * 1024)
        {
            throw new ArgumentException("MaximumMessageSize must be 1,024-1,048,576 bytes.", nameof(definition));
        }

        if (definition.RedrivePolicy is { } redrive)
        {
            if (!IsValidName(redrive.DeadLetterQueue) || redrive.DeadLetterQueue == definition.Name)
            {
                throw new ArgumentException("RedrivePolicy.DeadLetterQueue must name another queue.", nameof(definition));
            }

            if (redrive.MaxReceiveCount is < 1 or > 1000)
            {
                throw new ArgumentException("RedrivePolicy.MaxReceiveCount must be 1-1000.", nameof(definition));
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
