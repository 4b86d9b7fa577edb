using System.Globalization;
using System.Text;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

internal sealed partial class SqsApi
{
    private const int MaxListResults = 1000;
    private static readonly long PurgeIntervalMs = (long)TimeSpan.FromSeconds(60).TotalMilliseconds;

    private async ValueTask CreateQueueAsync(AwsCall call)
    {
        var input = call.Input;
        var name = input.Required("QueueName");
        var attributes = input.Map("Attribute", "Name", "Value", "Attributes") ?? [];
        var tags = input.Map("Tag", "Key", "Value", "tags");
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        var requested = QueueAttributes.Apply(new QueueDefinition { Name = name }, attributes, creating: true, stored);
        if (!QueueLimits.IsValidName(name) || QueueLimits.IsFifoName(name) != requested.FifoQueue)
        {
            throw new AwsException(
                SqsError.InvalidParameterValue,
                requested.FifoQueue
                    ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                      + $"must end with .fifo suffix and be 1 to {QueueLimits.MaxNameLength} in length."
                    : $"Can only include alphanumeric characters, hyphens, or underscores. 1 to {QueueLimits.MaxNameLength} in length.");
        }

        if (engine.TryGetQueue(name, out var existing))
        {
            EnsureSameAttributes(existing, attributes, stored);
            WriteQueueUrl(call, "CreateQueue", name);
            return;
        }

        EnsureDeadLetterTargetExists(requested);
        if (tags is not null)
        {
            var tagMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in tags)
            {
                tagMap[key] = value;
            }

            requested = requested with { Tags = tagMap };
        }

        await engine.CreateQueueAsync(requested, call.Aborted).ConfigureAwait(false);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        metadata.Update(name, _ => new QueueMetadata { CreatedTimestamp = now, LastModifiedTimestamp = now, Attributes = stored });
        WriteQueueUrl(call, "CreateQueue", name);
    }

    /// <summary>SQS: creating an existing queue succeeds only when every attribute given has the queue's value.</summary>
    private void EnsureSameAttributes(MessageQueue queue, List<KeyValuePair<string, string>> attributes, Dictionary<string, string> stored)
    {
        var current = queue.Definition;
        var asRequested = QueueAttributes.Apply(
            current, attributes, creating: true, new Dictionary<string, string>(StringComparer.Ordinal));
        var known = metadata.Get(queue.Name).Attributes;
        foreach (var (name, _) in attributes)
        {
            var same = Array.IndexOf(QueueAttributes.StoredOnly, name) >= 0
                ? known.GetValueOrDefault(name, string.Empty) == stored[name]
                : QueueAttributes.Format(name, asRequested, names) == QueueAttributes.Format(name, current, names);
            if (!same)
            {
                throw new AwsException(
                    SqsError.QueueNameExists, $"A queue already exists with the same name and a different value for attribute {name}");
            }
        }
    }

    private void EnsureDeadLetterTargetExists(QueueDefinition definition)
    {
        if (definition.RedrivePolicy is { } redrive && !engine.TryGetQueue(redrive.DeadLetterQueue, out _))
        {
            throw new AwsException(
                SqsError.InvalidParameterValue,
                $"Value {QueueAttributes.Format("RedrivePolicy", definition, names)} for parameter RedrivePolicy is invalid. "
                + "Reason: Dead letter target does not exist.");
        }
    }

    private async ValueTask DeleteQueueAsync(AwsCall call)
    {
        var queue = Queue(call);
        if (configuredQueues.TryGetValue(queue.Name, out var owner))
        {
            throw new AwsException(
                SqsError.UnsupportedOperation,
                $"Queue {queue.Name} is defined by Spillway's configuration ({owner}) and feeds its pipeline; remove it from the "
                + "configuration instead of deleting it through the SQS API.");
        }

        await engine.DeleteQueueAsync(queue.Name, call.Aborted).ConfigureAwait(false);
        metadata.Remove(queue.Name);
        lock (lastPurge)
        {
            lastPurge.Remove(queue.Name);
        }

        call.Response.Empty("DeleteQueue", call.RequestId);
    }

    private ValueTask GetQueueUrl(AwsCall call)
    {
        var name = call.Input.Required("QueueName");
        var owner = call.Input.String("QueueOwnerAWSAccountId");
        if ((owner is not null && owner != names.AccountId) || !engine.TryGetQueue(name, out _))
        {
            throw SqsError.NoQueue();
        }

        WriteQueueUrl(call, "GetQueueUrl", name);
        return ValueTask.CompletedTask;
    }

    private ValueTask ListQueues(AwsCall call)
    {
        var prefix = call.Input.String("QueueNamePrefix") ?? string.Empty;
        var matching = new List<string>();
        foreach (var queue in engine.ListQueues())
        {
            if (queue.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                matching.Add(queue.Name);
            }
        }

        WritePage(call, "ListQueues", "QueueUrls", matching);
        return ValueTask.CompletedTask;
    }

    private ValueTask GetQueueAttributes(AwsCall call)
    {
        var queue = Queue(call);
        var requested = call.Input.List("AttributeName", "AttributeNames") ?? [];
        foreach (var name in requested)
        {
            if (name != "All" && !QueueAttributes.IsKnown(name))
            {
                throw new AwsException(SqsError.InvalidAttributeName, $"Unknown Attribute {name}.");
            }
        }

        var definition = queue.Definition;
        var wanted = requested.Contains("All") ? QueueAttributes.All(definition.FifoQueue) : requested;
        var response = call.Response;
        response.Begin("GetQueueAttributes");
        if (requested.Count > 0)
        {
            var known = metadata.Get(queue.Name);
            QueueCounts? counts = null;
            response.BeginMap("Attributes");
            foreach (var name in wanted)
            {
                var value = name switch
                {
                    "ApproximateNumberOfMessages" => Count((counts ??= queue.GetCounts()).Visible),
                    "ApproximateNumberOfMessagesNotVisible" => Count((counts ??= queue.GetCounts()).InFlight),
                    "ApproximateNumberOfMessagesDelayed" => Count((counts ??= queue.GetCounts()).Delayed),
                    "CreatedTimestamp" => Count(known.CreatedTimestamp),
                    "LastModifiedTimestamp" => Count(known.LastModifiedTimestamp),
                    "Policy" => PolicyOf(queue.Name, known),
                    "SqsManagedSseEnabled" => known.Attributes.GetValueOrDefault(name, "false"),
                    "KmsMasterKeyId" or "KmsDataKeyReusePeriodSeconds" => known.Attributes.GetValueOrDefault(name),
                    _ => QueueAttributes.Format(name, definition, names),
                };
                if (value is not null)
                {
                    response.MapEntry("Attribute", "Name", "Value", name, value);
                }
            }

            response.EndMap();
        }

        response.End("GetQueueAttributes", call.RequestId);
        return ValueTask.CompletedTask;
    }

    private async ValueTask SetQueueAttributesAsync(AwsCall call)
    {
        var queue = Queue(call);
        var attributes = call.Input.Map("Attribute", "Name", "Value", "Attributes");
        if (attributes is null || attributes.Count == 0)
        {
            throw SqsError.Missing("Attribute.Name");
        }

        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        await engine.SetQueueAttributesAsync(
            queue.Name,
            current =>
            {
                var updated = QueueAttributes.Apply(current, attributes, creating: false, stored);
                EnsureDeadLetterTargetExists(updated);
                return updated;
            },
            call.Aborted).ConfigureAwait(false);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        metadata.Update(queue.Name, current =>
        {
            var merged = new Dictionary<string, string>(current.Attributes, StringComparer.Ordinal);
            foreach (var (name, value) in stored)
            {
                if (value.Length == 0)
                {
                    merged.Remove(name);
                }
                else
                {
                    merged[name] = value;
                }
            }

            // A Policy set directly replaces the statements AddPermission made, as in SQS.
            return current with
            {
                LastModifiedTimestamp = now,
                Attributes = merged,
                Permissions = stored.ContainsKey("Policy") ? [] : current.Permissions,
            };
        });
        call.Response.Empty("SetQueueAttributes", call.RequestId);
    }

    private async ValueTask PurgeQueueAsync(AwsCall call)
    {
        var queue = Queue(call);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (lastPurge)
        {
            if (lastPurge.TryGetValue(queue.Name, out var last) && now - last < PurgeIntervalMs)
            {
                throw new AwsException(
                    SqsError.PurgeQueueInProgress, $"Only one PurgeQueue operation on {queue.Name} is allowed every 60 seconds.");
            }

            lastPurge[queue.Name] = now;
        }

        await queue.PurgeAsync(call.Aborted).ConfigureAwait(false);
        call.Response.Empty("PurgeQueue", call.RequestId);
    }

    private void WriteQueueUrl(AwsCall call, string action, string queue)
    {
        call.Response.Begin(action);
        call.Response.String("QueueUrl", UrlBase(call) + queue);
        call.Response.End(action, call.RequestId);
    }

    /// <summary>
    /// Writes one page of queue URLs, as ListQueues and ListDeadLetterSourceQueues do: without MaxResults up to 1,000 and
    /// no token; with it, a NextToken (the last name returned, opaque to clients) while more remain.
    /// </summary>
    private void WritePage(AwsCall call, string action, string jsonName, List<string> queues)
    {
        var input = call.Input;
        var maxResults = input.IntInRange("MaxResults", 1, MaxListResults);
        var start = 0;
        if (input.String("NextToken") is { Length: > 0 } token)
        {
            var after = DecodeToken(token);
            while (start < queues.Count && string.CompareOrdinal(queues[start], after) <= 0)
            {
                start++;
            }
        }

        var count = Math.Min(queues.Count - start, maxResults ?? MaxListResults);
        var response = call.Response;
        response.Begin(action);
        if (count > 0)
        {
            var urlBase = UrlBase(call);
            response.BeginList(jsonName);
            for (var i = start; i < start + count; i++)
            {
                response.ListString("QueueUrl", urlBase + queues[i]);
            }

            response.EndList();
        }

        if (maxResults is not null && start + count < queues.Count)
        {
            response.String("NextToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(queues[start + count - 1])));
        }

        response.End(action, call.RequestId);
    }

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw SqsError.Invalid("NextToken", token, "Invalid NextToken value.");
        }
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
