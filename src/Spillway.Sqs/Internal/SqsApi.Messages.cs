using System.Globalization;
using System.Text;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

internal sealed partial class SqsApi
{
    private const int MaxBatchBytes = 1024 * 1024;

    private static readonly string[] SystemAttributeNames =
    [
        "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
        "SequenceNumber", "MessageDeduplicationId", "MessageGroupId",
    ];

    private async ValueTask SendMessageAsync(SqsCall call)
    {
        var queue = Queue(call);
        var prepared = Prepare(call.Input, queue.Definition);
        var result = await queue.SendBatchAsync([prepared.Message], null, call.Aborted).ConfigureAwait(false);
        var response = call.Response;
        response.Begin("SendMessage");
        WriteSent(response, prepared, result.Messages[0], queue.Definition.FifoQueue);
        response.End("SendMessage", call.RequestId);
    }

    private async ValueTask SendMessageBatchAsync(SqsCall call)
    {
        var queue = Queue(call);
        var entries = MessageRules.BatchEntries(call.Input, "SendMessageBatchRequestEntry");
        var prepared = new Prepared?[entries.Count];
        var failures = new SqsException?[entries.Count];
        var valid = new List<OutgoingMessage>(entries.Count);
        long total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                prepared[i] = Prepare(entries[i], queue.Definition);
                valid.Add(prepared[i]!.Message);
                total += prepared[i]!.Size;
            }
            catch (SqsException e)
            {
                failures[i] = e;
            }
        }

        if (total > MaxBatchBytes)
        {
            throw new SqsException(
                SqsError.BatchRequestTooLong, $"Batch requests cannot be longer than {MaxBatchBytes} bytes. You have sent {total} bytes.");
        }

        IReadOnlyList<SentMessage> sent = [];
        if (valid.Count > 0)
        {
            sent = (await queue.SendBatchAsync(valid, null, call.Aborted).ConfigureAwait(false)).Messages;
        }

        var response = call.Response;
        response.Begin("SendMessageBatch");
        response.BeginList("Successful");
        var next = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (prepared[i] is { } message)
            {
                response.BeginItem("SendMessageBatchResultEntry");
                response.String("Id", entries[i].String("Id"));
                WriteSent(response, message, sent[next++], queue.Definition.FifoQueue);
                response.EndItem("SendMessageBatchResultEntry");
            }
        }

        response.EndList();
        WriteFailures(response, entries, failures);
        response.End("SendMessageBatch", call.RequestId);
    }

    private async ValueTask ReceiveMessageAsync(SqsCall call)
    {
        var queue = Queue(call);
        var input = call.Input;
        var max = input.IntInRange("MaxNumberOfMessages", 1, 10) ?? 1;
        var visibility = input.IntInRange("VisibilityTimeout", 0, 43_200);
        var wait = input.IntInRange("WaitTimeSeconds", 0, 20);
        var attemptId = input.String("ReceiveRequestAttemptId");
        var systemNames = input.List("AttributeName", "AttributeNames");
        if (input.List("MessageSystemAttributeName", "MessageSystemAttributeNames") is { } more)
        {
            (systemNames ??= []).AddRange(more);
        }

        var attributeNames = input.List("MessageAttributeName", "MessageAttributeNames");
        var messages = await queue.ReceiveAsync(
            new ReceiveOptions
            {
                MaxMessages = max,
                VisibilityTimeout = visibility is { } v ? TimeSpan.FromSeconds(v) : null,
                WaitTime = wait is { } w ? TimeSpan.FromSeconds(w) : null,
                ReceiveRequestAttemptId = attemptId,
            },
            call.Aborted).ConfigureAwait(false);

        var response = call.Response;
        response.Begin("ReceiveMessage");
        if (messages.Count > 0)
        {
            response.BeginList("Messages");
            foreach (var message in messages)
            {
                WriteMessage(response, message, systemNames, attributeNames);
            }

            response.EndList();
        }

        response.End("ReceiveMessage", call.RequestId);
    }

    private async ValueTask DeleteMessageAsync(SqsCall call)
    {
        var queue = Queue(call);
        var handle = call.Input.Required("ReceiptHandle");
        if (!ReceiptHandles.IsWellFormed(handle))
        {
            throw ReceiptHandles.Invalid(handle);
        }

        await queue.DeleteBatchAsync([handle], call.Aborted).ConfigureAwait(false);
        call.Response.Empty("DeleteMessage", call.RequestId);
    }

    private async ValueTask DeleteMessageBatchAsync(SqsCall call)
    {
        var queue = Queue(call);
        var entries = MessageRules.BatchEntries(call.Input, "DeleteMessageBatchRequestEntry");
        var failures = new SqsException?[entries.Count];
        var handles = new List<string>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var handle = entries[i].String("ReceiptHandle");
            if (string.IsNullOrEmpty(handle))
            {
                failures[i] = SqsException.Missing("ReceiptHandle");
            }
            else if (!ReceiptHandles.IsWellFormed(handle))
            {
                failures[i] = ReceiptHandles.Invalid(handle);
            }
            else
            {
                handles.Add(handle);
            }
        }

        if (handles.Count > 0)
        {
            await queue.DeleteBatchAsync(handles, call.Aborted).ConfigureAwait(false);
        }

        WriteBatchOutcome(call, "DeleteMessageBatch", "DeleteMessageBatchResultEntry", entries, failures);
    }

    private ValueTask ChangeMessageVisibility(SqsCall call)
    {
        var queue = Queue(call);
        var handle = call.Input.Required("ReceiptHandle");
        var timeout = call.Input.IntInRange("VisibilityTimeout", 0, 43_200) ?? throw SqsException.Missing("VisibilityTimeout");
        if (ChangeVisibility(queue, handle, timeout) is { } failure)
        {
            throw failure;
        }

        call.Response.Empty("ChangeMessageVisibility", call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask ChangeMessageVisibilityBatch(SqsCall call)
    {
        var queue = Queue(call);
        var entries = MessageRules.BatchEntries(call.Input, "ChangeMessageVisibilityBatchRequestEntry");
        var failures = new SqsException?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                var entry = entries[i];
                var timeout = entry.IntInRange("VisibilityTimeout", 0, 43_200) ?? throw SqsException.Missing("VisibilityTimeout");
                failures[i] = ChangeVisibility(queue, entry.Required("ReceiptHandle"), timeout);
            }
            catch (SqsException e)
            {
                failures[i] = e;
            }
        }

        WriteBatchOutcome(call, "ChangeMessageVisibilityBatch", "ChangeMessageVisibilityBatchResultEntry", entries, failures);
        return ValueTask.CompletedTask;
    }

    private static SqsException? ChangeVisibility(MessageQueue queue, string handle, int timeoutSeconds)
    {
        if (!ReceiptHandles.IsWellFormed(handle))
        {
            return ReceiptHandles.Invalid(handle);
        }

        return queue.ChangeVisibility(handle, TimeSpan.FromSeconds(timeoutSeconds))
            ? null
            : new SqsException(
                SqsError.MessageNotInflight, "Value " + handle + " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.");
    }

    /// <summary>Checks one message of a send and shapes it for the engine; throws the SQS error that refuses it.</summary>
    private static Prepared Prepare(SqsInput input, QueueDefinition queue)
    {
        var utf8 = MessageRules.Body(input);
        var attributes = MessageRules.Attributes(input.MessageAttributes("MessageAttribute", "MessageAttributes"), out var attributeBytes);
        var system = MessageRules.SystemAttributes(input.MessageAttributes("MessageSystemAttribute", "MessageSystemAttributes"));
        var size = utf8.Length + attributeBytes;
        if (size > queue.MaximumMessageSize)
        {
            throw SqsException.Invalid(
                "MessageBody", null, $"Message must be shorter than {queue.MaximumMessageSize.ToString(CultureInfo.InvariantCulture)} bytes.");
        }

        var delay = input.IntInRange("DelaySeconds", 0, 900);
        var groupId = input.String("MessageGroupId");
        var deduplicationId = input.String("MessageDeduplicationId");
        if (queue.FifoQueue)
        {
            if (delay is not null)
            {
                throw SqsException.Invalid(
                    "DelaySeconds", delay.Value.ToString(CultureInfo.InvariantCulture),
                    "The request include parameter that is not valid for this queue type.");
            }

            if (string.IsNullOrEmpty(groupId))
            {
                throw SqsException.Missing("MessageGroupId");
            }

            CheckFifoId("MessageGroupId", groupId);
            if (deduplicationId is not null)
            {
                CheckFifoId("MessageDeduplicationId", deduplicationId);
            }
            else if (!queue.ContentBasedDeduplication)
            {
                throw new SqsException(
                    SqsError.InvalidParameterValue,
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
            }
        }
        else
        {
            if (deduplicationId is not null)
            {
                throw SqsException.Invalid(
                    "MessageDeduplicationId", deduplicationId, "The request include parameter that is not valid for this queue type.");
            }

            // A standard queue takes a MessageGroupId since SQS's fair queues; the engine keeps groups for FIFO queues only.
            groupId = null;
        }

        var sorted = attributes is null ? null : Md5Digests.Sorted(attributes);
        return new Prepared(
            new OutgoingMessage(utf8, delay is { } seconds ? TimeSpan.FromSeconds(seconds) : null)
            {
                Attributes = attributes,
                MessageGroupId = groupId,
                MessageDeduplicationId = deduplicationId,
            },
            size,
            Md5Digests.OfBody(utf8),
            sorted is null ? null : Md5Digests.OfAttributes(sorted),
            system is null ? null : Md5Digests.OfAttributes(Md5Digests.Sorted(system)));
    }

    private static void CheckFifoId(string name, string value)
    {
        if (value.Length is 0 or > 128)
        {
            throw SqsException.Invalid(name, value, $"{name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }

        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                throw SqsException.Invalid(name, value, $"{name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
            }
        }
    }

    private static void WriteSent(SqsResponse response, Prepared prepared, SentMessage sent, bool fifo)
    {
        response.String("MD5OfMessageBody", prepared.BodyMd5);
        response.String("MD5OfMessageAttributes", prepared.AttributesMd5);
        response.String("MD5OfMessageSystemAttributes", prepared.SystemAttributesMd5);
        response.String("MessageId", sent.MessageId.ToString());
        if (fifo)
        {
            response.String("SequenceNumber", SequenceNumber(sent.SequenceNumber));
        }
    }

    private void WriteMessage(SqsResponse response, ReceivedMessage message, List<string>? systemNames, List<string>? attributeNames)
    {
        var body = message.Body.Span;
        response.BeginItem("Message");
        response.String("MessageId", message.MessageId.ToString());
        response.String("ReceiptHandle", message.ReceiptHandle);
        response.String("MD5OfBody", Md5Digests.OfBody(body));
        response.Utf8String("Body", body);
        if (systemNames is { Count: > 0 })
        {
            var all = systemNames.Contains("All");
            response.BeginMap("Attributes");
            foreach (var name in SystemAttributeNames)
            {
                if ((all || systemNames.Contains(name)) && SystemAttribute(name, message) is { } value)
                {
                    response.MapEntry("Attribute", "Name", "Value", name, value);
                }
            }

            response.EndMap();
        }

        if (attributeNames is { Count: > 0 } && message.Attributes.Count > 0)
        {
            List<KeyValuePair<string, MessageAttributeValue>>? selected = null;
            foreach (var attribute in message.Attributes)
            {
                if (IsSelected(attribute.Key, attributeNames))
                {
                    (selected ??= []).Add(attribute);
                }
            }

            if (selected is not null)
            {
                selected.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                response.String("MD5OfMessageAttributes", Md5Digests.OfAttributes(selected));
                response.BeginMap("MessageAttributes");
                foreach (var (name, value) in selected)
                {
                    response.MessageAttribute(name, value);
                }

                response.EndMap();
            }
        }

        response.EndItem("Message");
    }

    private string? SystemAttribute(string name, ReceivedMessage message) => name switch
    {
        "SenderId" => names.AccountId,
        "SentTimestamp" => message.SentTimestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        "ApproximateReceiveCount" => message.ReceiveCount.ToString(CultureInfo.InvariantCulture),
        "ApproximateFirstReceiveTimestamp" => message.FirstReceiveTimestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        "SequenceNumber" => message.MessageGroupId is null ? null : SequenceNumber(message.SequenceNumber),
        "MessageDeduplicationId" => message.MessageDeduplicationId,
        "MessageGroupId" => message.MessageGroupId,
        _ => null,
    };

    /// <summary>"All" and ".*" select every attribute, "prefix.*" those whose names start with "prefix.", others by name.</summary>
    private static bool IsSelected(string name, List<string> requested)
    {
        foreach (var pattern in requested)
        {
            if (pattern is "All" or ".*" || pattern == name
                || (pattern.EndsWith(".*", StringComparison.Ordinal)
                    && name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    // SQS's sequence numbers are 128-bit and increasing; the engine's are 64-bit and increasing, padded to SQS's width.
    private static string SequenceNumber(long seq) => seq.ToString("D20", CultureInfo.InvariantCulture);

    private static void WriteBatchOutcome(SqsCall call, string action, string itemName, List<SqsInput> entries, SqsException?[] failures)
    {
        var response = call.Response;
        response.Begin(action);
        response.BeginList("Successful");
        for (var i = 0; i < entries.Count; i++)
        {
            if (failures[i] is null)
            {
                response.BeginItem(itemName);
                response.String("Id", entries[i].String("Id"));
                response.EndItem(itemName);
            }
        }

        response.EndList();
        WriteFailures(response, entries, failures);
        response.End(action, call.RequestId);
    }

    private static void WriteFailures(SqsResponse response, List<SqsInput> entries, SqsException?[] failures)
    {
        response.BeginList("Failed");
        for (var i = 0; i < entries.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                response.BeginItem("BatchResultErrorEntry");
                response.String("Id", entries[i].String("Id"));
                response.Bool("SenderFault", failure.Error.SenderFault);
                response.String("Code", failure.Error.Code);
                response.String("Message", failure.Message);
                response.EndItem("BatchResultErrorEntry");
            }
        }

        response.EndList();
    }

    private sealed record Prepared(OutgoingMessage Message, int Size, string BodyMd5, string? AttributesMd5, string? SystemAttributesMd5);
}
