using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;
using Spillway.Messaging.Topics;

namespace Spillway.Sns.Internal;

internal sealed partial class SnsApi
{
    private const int MaxBatchEntryIdLength = 80;
    private const int MaxAttributeNameLength = 256;

    private async ValueTask PublishAsync(AwsCall call)
    {
        var topic = PublishTarget(call);
        var message = ReadMessage(call.Input);
        var result = await topic.PublishAsync(message, call.Aborted).ConfigureAwait(false);
        call.Response.Begin(call.Action);
        call.Response.String("MessageId", result.MessageId.ToString("D"));
        call.Response.String("SequenceNumber", result.SequenceNumber);
        call.Response.End(call.Action, call.RequestId);
    }

    private async ValueTask PublishBatchAsync(AwsCall call)
    {
        var topic = TopicOf(call);
        var entries = call.Input.Structures("PublishBatchRequestEntries.member", "PublishBatchRequestEntries");
        if (entries is null || entries.Count == 0)
        {
            throw new AwsException(SnsErrors.EmptyBatchRequest, "The batch request doesn't contain any entries.");
        }

        if (entries.Count > TopicLimits.MaxBatchEntries)
        {
            throw new AwsException(
                SnsErrors.TooManyEntriesInBatchRequest,
                $"The batch request contains more entries than permissible: {entries.Count}; at most {TopicLimits.MaxBatchEntries}.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var total = 0;
        foreach (var entry in entries)
        {
            var id = entry.String("Id");
            if (id is not { Length: > 0 and <= MaxBatchEntryIdLength } || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new AwsException(
                    SnsErrors.InvalidBatchEntryId,
                    $"The Id of a batch entry in a batch request doesn't abide by the specification: 1-{MaxBatchEntryIdLength} letters, digits, '-' or '_'.");
            }

            if (!ids.Add(id))
            {
                throw new AwsException(SnsErrors.BatchEntryIdsNotDistinct, $"Two or more batch entries in the request have the same Id: {id}.");
            }

            total += MessageSize(entry);
        }

        if (total > TopicLimits.MaxMessageBytes)
        {
            throw new AwsException(
                SnsErrors.BatchRequestTooLong,
                $"The length of all the messages put together is more than the limit: {total} bytes; at most {TopicLimits.MaxMessageBytes}.");
        }

        // Every entry enters the topic's journal in the request's order before the first is awaited, so a FIFO topic keeps
        // that order and one group commit covers the batch.
        var publishes = new (string Id, Task<PublishResult>? Publish, AwsError? Error, string? Message)[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var id = entries[i].String("Id")!;
            try
            {
                publishes[i] = (id, topic.PublishAsync(ReadMessage(entries[i]), call.Aborted).AsTask(), null, null);
            }
            catch (AwsException refused)
            {
                publishes[i] = (id, null, refused.Error, refused.Message);
            }
        }

        call.Response.Begin(call.Action);
        call.Response.BeginList("Successful", "Successful");
        var failed = new List<(string Id, AwsError Error, string Message)>();
        foreach (var (id, publish, error, message) in publishes)
        {
            if (publish is null)
            {
                failed.Add((id, error!, message!));
                continue;
            }

            PublishResult result;
            try
            {
                result = await publish.ConfigureAwait(false);
            }
            catch (ArgumentException invalid)
            {
                failed.Add((id, SnsErrors.InvalidParameter, "Invalid parameter: " + WithoutParameterName(invalid)));
                continue;
            }

            call.Response.BeginItem("member");
            call.Response.String("Id", id);
            call.Response.String("MessageId", result.MessageId.ToString("D"));
            call.Response.String("SequenceNumber", result.SequenceNumber);
            call.Response.EndItem("member");
        }

        call.Response.EndList("Successful");
        call.Response.BeginList("Failed", "Failed");
        foreach (var (id, error, message) in failed)
        {
            call.Response.BeginItem("member");
            call.Response.String("Id", id);
            call.Response.String("Code", error.Code);
            call.Response.String("Message", message);
            call.Response.Bool("SenderFault", error.SenderFault);
            call.Response.EndItem("member");
        }

        call.Response.EndList("Failed");
        call.Response.End(call.Action, call.RequestId);
    }

    /// <summary>The topic of a Publish: <c>TopicArn</c> or <c>TargetArn</c> (the same thing for a topic); SMS and mobile
    /// push are not served.</summary>
    private Topic PublishTarget(AwsCall call)
    {
        var topicArn = call.Input.String("TopicArn");
        var targetArn = call.Input.String("TargetArn");
        if (call.Input.String("PhoneNumber") is not null)
        {
            throw SnsErrors.Invalid("PhoneNumber Reason: SMS is not supported; publish to a topic");
        }

        return (topicArn, targetArn) switch
        {
            (null, null) => throw SnsErrors.Invalid("TopicArn or TargetArn Reason: no value for required parameter"),
            ({ }, { }) => throw SnsErrors.Invalid("TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be given"),
            ({ }, null) => TopicOf(call, "TopicArn"),
            _ => TopicOf(call, "TargetArn"),
        };
    }

    /// <summary>A message as Publish and each PublishBatch entry give it, checked as SNS checks it.</summary>
    private static TopicMessage ReadMessage(AwsInput input)
    {
        var text = input.String("Message");
        if (string.IsNullOrEmpty(text))
        {
            throw SnsErrors.Invalid("Empty message");
        }

        var structure = input.String("MessageStructure");
        if (structure is not null)
        {
            CheckStructure(structure, text);
        }

        var attributes = MessageAttributes(input);
        if (MessageSize(input) > TopicLimits.MaxMessageBytes)
        {
            throw SnsErrors.Invalid($"Message too long: at most {TopicLimits.MaxMessageBytes} bytes with its attributes");
        }

        if (input.String("Subject") is { } subject
            && (subject.Length is 0 or > TopicLimits.MaxSubjectLength || subject.Any(char.IsControl) || char.IsWhiteSpace(subject[0])))
        {
            throw SnsErrors.Invalid("Subject");
        }

        return new TopicMessage(text)
        {
            Subject = input.String("Subject"),
            Attributes = attributes,
            MessageGroupId = input.String("MessageGroupId"),
            MessageDeduplicationId = input.String("MessageDeduplicationId"),
            MessageStructure = structure,
        };
    }

    /// <summary>MessageStructure=json: a JSON object of strings, one per protocol, with a <c>default</c>.</summary>
    private static void CheckStructure(string structure, string text)
    {
        if (structure != "json")
        {
            throw SnsErrors.Invalid("MessageStructure Reason: json is the only valid value");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw SnsErrors.Invalid("Message Structure - JSON message body failed to parse");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw SnsErrors.Invalid("Message Structure - JSON message body failed to parse");
            }

            if (!document.RootElement.TryGetProperty("default", out var fallback) || fallback.ValueKind != JsonValueKind.String)
            {
                throw SnsErrors.Invalid("Message Structure - No default entry in JSON message body");
            }

            if (document.RootElement.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            {
                throw SnsErrors.Invalid("Message Structure - every protocol's message must be a string");
            }
        }
    }

    /// <summary>The bytes SNS counts toward a message's limit: the body, and each attribute's name, type and value.</summary>
    private static int MessageSize(AwsInput input)
    {
        var size = Encoding.UTF8.GetByteCount(input.String("Message") ?? string.Empty);
        foreach (var (name, value) in input.StructureMap("MessageAttributes.entry", "Name", "Value", "MessageAttributes") ?? [])
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value.String("DataType") ?? string.Empty)
                + Encoding.UTF8.GetByteCount(value.String("StringValue") ?? string.Empty) + (value.Blob("BinaryValue")?.Length ?? 0);
        }

        return size;
    }

    /// <summary>Message attributes with SNS's rules for names and for each data type (String, String.Array, Number,
    /// Binary, and custom types after a '.').</summary>
    private static Dictionary<string, MessageAttributeValue>? MessageAttributes(AwsInput input)
    {
        var entries = input.StructureMap("MessageAttributes.entry", "Name", "Value", "MessageAttributes");
        if (entries is null || entries.Count == 0)
        {
            return null;
        }

        if (entries.Count > TopicLimits.MaxMessageAttributes)
        {
            throw new AwsException(
                SnsErrors.ParameterValueInvalid,
                $"Number of message attributes [{entries.Count}] exceeds the allowed maximum [{TopicLimits.MaxMessageAttributes}].");
        }

        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var (name, value) in entries)
        {
            CheckAttributeName(name);
            var type = value.String("DataType");
            if (string.IsNullOrEmpty(type))
            {
                throw AttributeError(name, "must contain non-empty message attribute type.");
            }

            var text = value.String("StringValue");
            var binary = value.Blob("BinaryValue");
            var baseType = type.Split('.')[0];
            switch (baseType)
            {
                case "String" when type == "String.Array":
                    CheckStringArray(name, text);
                    break;
                case "String":
                    if (string.IsNullOrEmpty(text))
                    {
                        throw AttributeError(name, $"must contain non-empty message attribute value for message attribute type '{type}'.");
                    }

                    break;
                case "Number":
                    if (!IsNumber(text))
                    {
                        throw AttributeError(name, $"with type '{type}' must be a valid number string, not '{text}'.");
                    }

                    break;
                case "Binary":
                    if (binary is not { Length: > 0 })
                    {
                        throw AttributeError(name, $"must contain non-empty message attribute value for message attribute type '{type}'.");
                    }

                    break;
                default:
                    throw AttributeError(name, "has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.");
            }

            var attribute = baseType == "Binary" ? new MessageAttributeValue(type, null, binary) : new MessageAttributeValue(type, text);
            if (!attributes.TryAdd(name, attribute))
            {
                throw AttributeError(name, "is given twice.");
            }
        }

        return attributes;
    }

    private static void CheckAttributeName(string name)
    {
        var valid = name.Length is > 0 and <= MaxAttributeNameLength
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            && name[0] != '.' && name[^1] != '.' && !name.Contains("..", StringComparison.Ordinal)
            && !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase);
        if (!valid)
        {
            throw new AwsException(
                SnsErrors.ParameterValueInvalid,
                $"Invalid message attribute name '{name}': 1-{MaxAttributeNameLength} letters, digits, '_', '-' or '.', without a leading, "
                + "trailing or doubled '.', and not starting with 'AWS.' or 'Amazon.'.");
        }
    }

    private static void CheckStringArray(string name, string? text)
    {
        try
        {
            using var document = JsonDocument.Parse(text ?? string.Empty);
            if (document.RootElement.ValueKind == JsonValueKind.Array
                && document.RootElement.EnumerateArray().All(e => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
            {
                return;
            }
        }
        catch (JsonException)
        {
        }

        throw AttributeError(name, "with type 'String.Array' must be a JSON array of strings, numbers, booleans or null.");
    }

    /// <summary>A decimal number as SQS and SNS take it: digits with an optional sign, fraction and exponent.</summary>
    private static bool IsNumber(string? text) => text is { Length: > 0 } && NumberPattern().IsMatch(text);

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    private static AwsException AttributeError(string name, string problem) =>
        new(SnsErrors.ParameterValueInvalid, $"The message attribute '{name}' {problem}");
}
