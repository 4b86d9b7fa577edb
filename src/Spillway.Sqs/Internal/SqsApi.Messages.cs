using System.Globalization;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

internal sealed partial class SqsApi
{
    // A batch's messages together are at most what one message may be, as in SQS.
    private const int MaxBatchBytes = QueueLimits.MaxMessageSize;

    private static readonly string[] SystemAttributeNames =
    [
        "SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
        "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", MessageRules.TraceHeader,
    ];

    private async ValueTask SendMessageAsync(AwsCall call)
    {
        var queue = Queue(call);
        var prepared = Prepare(call.Input, queue.Definition, bodyRules(queue.Name));
        var result = await queue.SendBatchAsync([prepared.Message], null, call.Aborted).ConfigureAwait(false);
        var response = call.Response;
        response.Begin("SendMessage");
        WriteSent(response, prepared, result.Messages[0], queue.Definition.FifoQueue);
        response.End("SendMessage", call.RequestId);
    }

    private async ValueTask SendMessageBatchAsync(AwsCall call)
    {
        var queue = Queue(call);
        var entries = MessageRules.BatchEntries(call.Input, "SendMessageBatchRequestEntry");
        var prepared = new Prepared?[entries.Count];
        var failures = new AwsException?[entries.Count];
        var valid = new List<OutgoingMessage>(entries.Count);
        var rule = bodyRules(queue.Name);
        long total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                prepared[i] = Prepare(entries[i], queue.Definition, rule);
                valid.Add(prepared[i]!.Message);
                total += prepared[i]!.Size;
            }
            catch (AwsException e)
            {
                failures[i] = e;
            }
        }

        if (total > MaxBatchBytes)
        {
            throw new AwsException(
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

    private async ValueTask ReceiveMessageAsync(AwsCall call)
    {
        var queue = Queue(call);
        var input = call.Input;
        var max = input.IntInRange("MaxNumberOfMessages", 1, QueueLimits.MaxReceiveMessages) ?? 1;
        var visibility = input.IntInRange("VisibilityTimeout", 0, QueueLimits.MaxVisibilityTimeoutSeconds);
        var wait = input.IntInRange("WaitTimeSeconds", 0, QueueLimits.MaxWaitTimeSeconds);
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
                WriteMessage(response, queue.Name, message, systemNames, attributeNames);
            }

            response.EndList();
        }

        response.End("ReceiveMessage", call.RequestId);
    }

    private async ValueTask DeleteMessageAsync(AwsCall call)
    {
        var queue = Queue(call);
        var handle = ReceiptHandles.Open(queue.Name, call.Input.Required("ReceiptHandle"));
        await queue.DeleteBatchAsync([handle], call.Aborted).ConfigureAwait(false);
        call.Response.Empty("DeleteMessage", call.RequestId);
    }

    private async ValueTask DeleteMessageBatchAsync(AwsCall call)
    {
        var queue = Queue(call);
        var entries = MessageRules.BatchEntries(call.Input, "DeleteMessageBatchRequestEntry");
        var failures = new AwsException?[entries.Count];
        var handles = new List<string>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                var handle = entries[i].String("ReceiptHandle");
                if (string.IsNullOrEmpty(handle))
                {
                    failures[i] = SqsError.Missing("ReceiptHandle");
                }
                else if (ReceiptHandles.TryOpen(queue.Name, handle) is { } opened)
                {
                    handles.Add(opened);
                }
                else
                {
                    failures[i] = ReceiptHandles.Invalid(handle);
                }
            }
            catch (AwsException e)
            {
                failures[i] = e;
            }
        }

        if (handles.Count > 0)
        {
            await queue.DeleteBatchAsync(handles, call.Aborted).ConfigureAwait(false);
        }

        WriteBatchOutcome(call, "DeleteMessageBatch", "DeleteMessageBatchResultEntry", entries, failures);
    }

    private ValueTask ChangeMessageVisibility(AwsCall call)
    {
        var queue = Queue(call);
        var handle = call.Input.Required("ReceiptHandle");
        var timeout = call.Input.IntInRange("VisibilityTimeout", 0, QueueLimits.MaxVisibilityTimeoutSeconds)
            ?? throw SqsError.Missing("VisibilityTimeout");
        if (ChangeVisibility(queue, handle, timeout) is { } failure)
        {
            throw failure;
        }

        call.Response.Empty("ChangeMessageVisibility", call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask ChangeMessageVisibilityBatch(AwsCall call)
    {
        var queue = Queue(call);
        var entries = MessageRules.BatchEntries(call.Input, "ChangeMessageVisibilityBatchRequestEntry");
        var failures = new AwsException?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                var entry = entries[i];
                var timeout = entry.IntInRange("VisibilityTimeout", 0, QueueLimits.MaxVisibilityTimeoutSeconds)
                    ?? throw SqsError.Missing("VisibilityTimeout");
                failures[i] = ChangeVisibility(queue, entry.Required("ReceiptHandle"), timeout);
            }
            catch (AwsException e)
            {
                failures[i] = e;
            }
        }

        WriteBatchOutcome(call, "ChangeMessageVisibilityBatch", "ChangeMessageVisibilityBatchResultEntry", entries, failures);
        return ValueTask.CompletedTask;
    }

    /// <summary>SQS accepts the handle of an earlier receive of a message received again, and changes the message.</summary>
    private static AwsException? ChangeVisibility(MessageQueue queue, string handle, int timeoutSeconds)
    {
        if (ReceiptHandles.TryOpen(queue.Name, handle) is not { } opened)
        {
            return ReceiptHandles.Invalid(handle);
        }

        return queue.ChangeVisibility(opened, TimeSpan.FromSeconds(timeoutSeconds), acceptEarlierReceive: true)
            ? null
            : new AwsException(
                SqsError.MessageNotInflight,
                $"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for "
                + "visibility timeout change.");
    }

    /// <summary>
    /// Checks one message of a send and shapes it for the engine; throws the SQS error that refuses it. A body the
    /// queue's <paramref name="rule"/> refuses (one its consumers could never store) is InvalidMessageContents.
    /// </summary>
    private static Prepared Prepare(AwsInput input, QueueDefinition queue, IMessageBodyRule? rule)
    {
        var utf8 = MessageRules.Body(input);
        var attributes = MessageRules.Attributes(
            MessageRules.ReadAttributes(input, "MessageAttribute", "MessageAttributes"), out var attributeBytes);
        var system = MessageRules.SystemAttributes(MessageRules.ReadAttributes(input, "MessageSystemAttribute", "MessageSystemAttributes"));
        var size = utf8.Length + attributeBytes;
        if (size > queue.MaximumMessageSize)
        {
            throw SqsError.Invalid(
                "MessageBody",
                null,
                $"Message must be shorter than {queue.MaximumMessageSize.ToString(CultureInfo.InvariantCulture)} bytes.");
        }

        var delay = input.IntInRange("DelaySeconds", 0, QueueLimits.MaxDelaySeconds);
        var groupId = input.String("MessageGroupId");
        var deduplicationId = input.String("MessageDeduplicationId");
        if (queue.FifoQueue)
        {
            // SQS refuses only a non-zero per-message delay on a FIFO queue: SDKs that always send DelaySeconds send 0.
            if (delay is > 0)
            {
                throw SqsError.Invalid(
                    "DelaySeconds", delay.Value.ToString(CultureInfo.InvariantCulture),
                    "The request include parameter that is not valid for this queue type.");
            }

            if (string.IsNullOrEmpty(groupId))
            {
                throw SqsError.Missing("MessageGroupId");
            }

            CheckFifoId("MessageGroupId", groupId);
            if (deduplicationId is not null)
            {
                CheckFifoId("MessageDeduplicationId", deduplicationId);
            }
            else if (!queue.ContentBasedDeduplication)
            {
                throw new AwsException(
                    SqsError.InvalidParameterValue,
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
            }

            delay = null;
        }
        else
        {
            if (deduplicationId is not null)
            {
                throw SqsError.Invalid(
                    "MessageDeduplicationId", deduplicationId, "The request include parameter that is not valid for this queue type.");
            }

            // A standard queue takes a MessageGroupId since SQS's fair queues; the engine keeps groups for FIFO queues only.
            groupId = null;
        }

        if (rule?.Check(utf8) is { } refusal)
        {
            throw new AwsException(SqsError.InvalidMessageContents, refusal);
        }

        var sorted = attributes is null ? null : Md5Digests.Sorted(attributes);
        return new Prepared(
            new OutgoingMessage(utf8, delay is { } seconds ? TimeSpan.FromSeconds(seconds) : null)
            {
                Attributes = MessageRules.WithSystemAttributes(attributes, system),
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
        var valid = value.Length is > 0 and <= 128;
        foreach (var c in value)
        {
            valid &= c is >= '!' and <= '~';
        }

        if (!valid)
        {
            throw SqsError.Invalid(
                name, value, $"{name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }

    private static void WriteSent(AwsResponse response, Prepared prepared, SentMessage sent, bool fifo)
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

    private void WriteMessage(
        AwsResponse response, string queue, ReceivedMessage message, List<string>? systemNames, List<string>? attributeNames)
    {
        var body = message.Body.Span;
        response.BeginItem("Message");
        response.String("MessageId", message.MessageId.ToString());
        response.String("ReceiptHandle", ReceiptHandles.Issue(queue, message.ReceiptHandle));
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
                if (!MessageRules.IsSystemAttribute(attribute.Key) && IsSelected(attribute.Key, attributeNames))
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
                    response.BeginMapValue("MessageAttribute", "Name", name, "Value");
                    response.String("StringValue", value.StringValue);
                    if (value.BinaryValue is { } binary)
                    {
                        response.Blob("BinaryValue", binary.Span);
                    }

                    response.String("DataType", value.DataType);
                    response.EndMapValue("MessageAttribute", "Value");
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
        MessageRules.TraceHeader => MessageRules.StoredTraceHeader(message.Attributes),
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

    private static void WriteBatchOutcome(AwsCall call, string action, string itemName, List<AwsInput> entries, AwsException?[] failures)
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

    private static void WriteFailures(AwsResponse response, List<AwsInput> entries, AwsException?[] failures)
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
