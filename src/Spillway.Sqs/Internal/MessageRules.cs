using System.Text;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

/// <summary>SQS's rules for what a message may carry, checked before anything reaches the engine.</summary>
internal static class MessageRules
{
    public const int MaxAttributeNameLength = 256;
    public const int MaxDataTypeLength = 256;
    public const int MaxNumberDigits = 38;

    /// <summary>The one message system attribute a send may carry, returned to receivers that ask for it.</summary>
    public const string TraceHeader = "AWSTraceHeader";

    // Kept with the user attributes under a name no user attribute can have (SQS refuses the "AWS." prefix on them).
    private const string StoredTraceHeaderName = QueueLimits.SystemAttributePrefix + "SQS." + TraceHeader;

    private const int MaxAttributes = QueueLimits.MaxMessageAttributes;
    private const int MaxBatchEntries = QueueLimits.MaxBatchEntries;

    /// <summary>Whether every character is one SQS accepts: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.</summary>
    public static bool HasOnlyAllowedCharacters(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= 0x20 && c < 0xD800)
            {
                continue;
            }

            if (c is '\t' or '\n' or '\r' || (c >= 0xE000 && c <= 0xFFFD))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>The same check on UTF-8 text; malformed UTF-8 fails it.</summary>
    public static bool HasOnlyAllowedCharacters(ReadOnlySpan<byte> utf8)
    {
        while (!utf8.IsEmpty)
        {
            var b = utf8[0];
            if (b < 0x80)
            {
                if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
                {
                    return false;
                }

                utf8 = utf8[1..];
                continue;
            }

            if (Rune.DecodeFromUtf8(utf8, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || rune.Value is >= 0xFFFE and <= 0xFFFF)
            {
                return false;
            }

            utf8 = utf8[consumed..];
        }

        return true;
    }

    /// <summary>The message body as UTF-8, checked: present and of allowed characters only.</summary>
    public static byte[] Body(AwsInput input)
    {
        var body = input.Utf8("MessageBody");
        if (body is null || body.Length == 0)
        {
            throw SqsError.Missing("MessageBody");
        }

        if (!HasOnlyAllowedCharacters(body))
        {
            throw new AwsException(
                SqsError.InvalidMessageContents,
                "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | "
                + "#x10000 to #x10FFFF");
        }

        return body;
    }

    /// <summary>Validates message attributes as SQS does; returns them with their total size in bytes (names, types, values).</summary>
    public static Dictionary<string, MessageAttributeValue>? Attributes(
        List<KeyValuePair<string, AttributeInput>>? attributes, out int size)
    {
        size = 0;
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        if (attributes.Count > MaxAttributes)
        {
            throw SqsError.Invalid(
                "MessageAttributes",
                null,
                $"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [{MaxAttributes}].");
        }

        var result = new Dictionary<string, MessageAttributeValue>(attributes.Count, StringComparer.Ordinal);
        foreach (var (name, input) in attributes)
        {
            CheckName(name);
            if (result.ContainsKey(name))
            {
                throw SqsError.Invalid("MessageAttributes", name, $"Message attribute name '{name}' is repeated.");
            }

            var value = Value(name, input);
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value.DataType)
                + (value.BinaryValue?.Length ?? Encoding.UTF8.GetByteCount(value.StringValue!));
            result.Add(name, value);
        }

        return result;
    }

    /// <summary>
    /// Message attributes as sent, before validation: <c>queryPrefix.N.Name</c> and <c>.Value.*</c>, or the JSON object
    /// <paramref name="jsonName"/>. An entry without a name is refused, never dropped.
    /// </summary>
    public static List<KeyValuePair<string, AttributeInput>>? ReadAttributes(AwsInput input, string queryPrefix, string jsonName) =>
        input.StructureMap(queryPrefix, "Name", "Value", jsonName)?.Select(entry => KeyValuePair.Create(entry.Key, new AttributeInput(
            entry.Value.String("DataType"),
            entry.Value.String("StringValue"),
            entry.Value.Blob("BinaryValue"),
            entry.Value.List("StringListValue", "StringListValues") is { Count: > 0 }
                || entry.Value.List("BinaryListValue", "BinaryListValues") is { Count: > 0 }))).ToList();

    /// <summary>Whether a stored attribute is a system attribute, not one the sender's user attributes hold.</summary>
    public static bool IsSystemAttribute(string name) => name.StartsWith(QueueLimits.SystemAttributePrefix, StringComparison.Ordinal);

    /// <summary>The user attributes with the system attributes added under their stored names, for the engine.</summary>
    public static Dictionary<string, MessageAttributeValue>? WithSystemAttributes(
        Dictionary<string, MessageAttributeValue>? attributes, Dictionary<string, MessageAttributeValue>? system)
    {
        if (system is null || !system.TryGetValue(TraceHeader, out var trace))
        {
            return attributes;
        }

        var merged = attributes is null
            ? new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
            : new Dictionary<string, MessageAttributeValue>(attributes, StringComparer.Ordinal);
        merged[StoredTraceHeaderName] = trace;
        return merged;
    }

    /// <summary>The AWSTraceHeader a message was sent with, or null.</summary>
    public static string? StoredTraceHeader(IReadOnlyDictionary<string, MessageAttributeValue> attributes) =>
        attributes.TryGetValue(StoredTraceHeaderName, out var value) ? value.StringValue : null;

    /// <summary>The message system attributes a send may carry: only AWSTraceHeader, a String.</summary>
    public static Dictionary<string, MessageAttributeValue>? SystemAttributes(List<KeyValuePair<string, AttributeInput>>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var (name, input) in attributes)
        {
            if (name != TraceHeader)
            {
                throw new AwsException(SqsError.InvalidAttributeName, $"Message system attribute name '{name}' is invalid.");
            }

            if (input.DataType != "String" || string.IsNullOrEmpty(input.StringValue) || input.BinaryValue is not null)
            {
                throw SqsError.Invalid("MessageSystemAttributes", name, "AWSTraceHeader must be a non-empty String.");
            }

            result[name] = new MessageAttributeValue("String", input.StringValue);
        }

        return result;
    }

    private static void CheckBatchEntryIds(List<AwsInput> entries)
    {
        var seen = new HashSet<string>(entries.Count, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var id = entry.String("Id");
            if (string.IsNullOrEmpty(id))
            {
                throw SqsError.Missing("Id");
            }

            if (!SqsNames.IsIdentifier(id))
            {
                throw new AwsException(
                    SqsError.InvalidBatchEntryId,
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                    + "It can be at most 80 letters long.");
            }

            if (!seen.Add(id))
            {
                throw new AwsException(SqsError.BatchEntryIdsNotDistinct, $"Id {id} repeated.");
            }
        }
    }

    /// <summary>The entries of a batch request: 1-10 of them, with distinct, well-formed ids.</summary>
    public static List<AwsInput> BatchEntries(AwsInput input, string queryMember)
    {
        var entries = input.Structures(queryMember, "Entries");
        if (entries is null || entries.Count == 0)
        {
            // SQS names the entry type: "There should be at least one SendMessageBatchRequestEntry in the request."
            throw new AwsException(SqsError.EmptyBatchRequest, $"There should be at least one {queryMember} in the request.");
        }

        if (entries.Count > MaxBatchEntries)
        {
            throw new AwsException(
                SqsError.TooManyEntriesInBatchRequest,
                $"Maximum number of entries per request are {MaxBatchEntries}. You have sent {entries.Count}.");
        }

        CheckBatchEntryIds(entries);
        return entries;
    }

    private static void CheckName(string name)
    {
        var valid = name.Length is > 0 and <= MaxAttributeNameLength
            && name[0] != '.' && name[^1] != '.' && !name.Contains("..", StringComparison.Ordinal)
            && !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase)
            && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase);
        foreach (var c in name)
        {
            valid &= char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
        }

        if (!valid)
        {
            throw new AwsException(
                SqsError.InvalidParameterValue,
                $"Message (user) attribute name '{name}' is invalid: names are 1-256 letters, digits, '_', '-' or '.', do not start or end "
                + "with '.' or hold '..', and do not start with 'AWS.' or 'Amazon.'.");
        }
    }

    private static MessageAttributeValue Value(string name, AttributeInput input)
    {
        var type = input.DataType;
        if (string.IsNullOrEmpty(type))
        {
            throw new AwsException(
                SqsError.InvalidParameterValue, $"The message attribute '{name}' must contain a non-empty attribute type.");
        }

        if (type.Length > MaxDataTypeLength)
        {
            throw new AwsException(
                SqsError.InvalidParameterValue, $"The message attribute '{name}' has a data type longer than 256 characters.");
        }

        if (input.HasListValues)
        {
            throw new AwsException(SqsError.InvalidParameterValue, $"Message attribute '{name}': list values are not supported.");
        }

        var dot = type.IndexOf('.');
        var baseType = dot < 0 ? type : type[..dot];
        switch (baseType)
        {
            case "String":
            case "Number":
                if (string.IsNullOrEmpty(input.StringValue) || input.BinaryValue is not null)
                {
                    throw new AwsException(
                        SqsError.InvalidParameterValue,
                        $"Message (user) attribute '{name}' must contain a non-empty value of type '{baseType}'.");
                }

                if (!HasOnlyAllowedCharacters(input.StringValue))
                {
                    throw new AwsException(
                        SqsError.InvalidParameterValue, $"Message (user) attribute '{name}' contains invalid characters.");
                }

                if (baseType == "Number" && !IsNumber(input.StringValue))
                {
                    throw new AwsException(
                        SqsError.InvalidParameterValue,
                        $"Could not cast message attribute '{name}' value to number: a Number has at most {MaxNumberDigits} significant digits.");
                }

                return new MessageAttributeValue(type, input.StringValue);
            case "Binary":
                if (input.BinaryValue is not { Length: > 0 } || input.StringValue is not null)
                {
                    throw new AwsException(
                        SqsError.InvalidParameterValue,
                        $"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.");
                }

                return new MessageAttributeValue(type, null, input.BinaryValue);
            default:
                throw new AwsException(
                    SqsError.InvalidParameterValue,
                    $"The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: "
                    + "Binary, Number, String.");
        }
    }

    /// <summary>SQS's Number: an optional sign, up to 38 significant digits, an optional fraction and exponent.</summary>
    private static bool IsNumber(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            i++;
        }

        var digits = 0;
        var significant = 0;
        var sawPoint = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                digits++;

                // Leading zeros carry no precision.
                if (significant > 0 || c != '0')
                {
                    significant++;
                }
            }
            else if (c == '.' && !sawPoint)
            {
                sawPoint = true;
            }
            else
            {
                break;
            }
        }

        if (digits == 0 || significant > MaxNumberDigits)
        {
            return false;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var exponentDigits = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                exponentDigits++;
            }

            if (exponentDigits == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }
}

/// <summary>A message attribute as sent, before validation.</summary>
internal sealed record AttributeInput(string? DataType, string? StringValue, byte[]? BinaryValue, bool HasListValues);
