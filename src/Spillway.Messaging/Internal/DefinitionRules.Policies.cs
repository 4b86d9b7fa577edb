using System.Text;

namespace Spillway.Messaging.Internal;

internal static partial class DefinitionRules
{
    private const int MaxTags = QueueLimits.MaxTags;
    private const int MaxTagKeyLength = QueueLimits.MaxTagKeyLength;
    private const int MaxTagValueLength = QueueLimits.MaxTagValueLength;
    private const int MaxRedriveSourceQueues = QueueLimits.MaxRedriveSourceQueues;

    private static void ValidatePolicies(QueueDefinition definition)
    {
        Range(definition.ReceiveMessageWaitTime, TimeSpan.Zero, QueueLimits.MaxWaitTime, nameof(QueueDefinition.ReceiveMessageWaitTime));
        ArgumentNullException.ThrowIfNull(definition.Tags, nameof(QueueDefinition.Tags));
        ValidateTags(definition.Tags, definition.Tags.Count);
        if (definition.RedriveAllowPolicy is not { } allow)
        {
            return;
        }

        var sources = allow.SourceQueues ?? [];
        if (!Enum.IsDefined(allow.Permission))
        {
            throw new ArgumentException("RedriveAllowPolicy.Permission must be allowAll, denyAll or byQueue.", nameof(definition));
        }

        if (allow.Permission == RedrivePermission.ByQueue)
        {
            if (sources.Count is 0 or > MaxRedriveSourceQueues || sources.Any(s => !IsValidName(s)))
            {
                throw new ArgumentException(
                    $"RedriveAllowPolicy byQueue names 1-{MaxRedriveSourceQueues} valid source queue names.", nameof(definition));
            }
        }
        else if (sources.Count > 0)
        {
            throw new ArgumentException("RedriveAllowPolicy lists source queues only with byQueue.", nameof(definition));
        }
    }

    /// <summary>Checks tags as SQS does; <paramref name="resultingCount"/> is how many the queue would have afterwards.</summary>
    public static void ValidateTags(IReadOnlyDictionary<string, string> tags, int resultingCount)
    {
        if (resultingCount > MaxTags)
        {
            throw new ArgumentException($"A queue has at most {MaxTags} tags; this would make {resultingCount}.", nameof(tags));
        }

        foreach (var (key, value) in tags)
        {
            if (!IsTagText(key, 1, MaxTagKeyLength))
            {
                throw new ArgumentException(
                    $"Tag key '{key}' must be 1-{MaxTagKeyLength} letters, digits, spaces or _ . : / = + - @.", nameof(tags));
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Tag key '{key}': the prefix 'aws:' is reserved.", nameof(tags));
            }

            if (value is null || !IsTagText(value, 0, MaxTagValueLength))
            {
                throw new ArgumentException(
                    $"The value of tag '{key}' must be 0-{MaxTagValueLength} letters, digits, spaces or _ . : / = + - @.",
                    nameof(tags));
            }
        }
    }

    public static bool IsTagText(string? text, int minLength, int maxLength)
    {
        if (text is null)
        {
            return false;
        }

        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            length++;
            if (!(Rune.IsLetterOrDigit(rune) || Rune.IsWhiteSpace(rune) || rune.Value is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@'))
            {
                return false;
            }
        }

        return length >= minLength && length <= maxLength;
    }
}
