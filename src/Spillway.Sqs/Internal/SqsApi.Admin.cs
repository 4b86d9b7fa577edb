using System.Text.Json;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;

namespace Spillway.Sqs.Internal;

/// <summary>Tags, dead-letter sources, permissions and message move tasks.</summary>
internal sealed partial class SqsApi
{
    private const int MaxPolicyActions = 7;

    private static readonly string[] PermissionActions =
    [
        "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl",
        "ListDeadLetterSourceQueues", "PurgeQueue",
    ];

    private async ValueTask TagQueueAsync(AwsCall call)
    {
        var queue = Queue(call);
        var tags = call.Input.Map("Tag", "Key", "Value", "Tags");
        if (tags is null || tags.Count == 0)
        {
            throw SqsError.Missing("Tags");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            map[key] = value;
        }

        await engine.TagQueueAsync(queue.Name, map, call.Aborted).ConfigureAwait(false);
        call.Response.Empty("TagQueue", call.RequestId);
    }

    private async ValueTask UntagQueueAsync(AwsCall call)
    {
        var queue = Queue(call);
        var keys = call.Input.List("TagKey", "TagKeys");
        if (keys is null || keys.Count == 0)
        {
            throw SqsError.Missing("TagKeys");
        }

        await engine.UntagQueueAsync(queue.Name, keys, call.Aborted).ConfigureAwait(false);
        call.Response.Empty("UntagQueue", call.RequestId);
    }

    private ValueTask ListQueueTags(AwsCall call)
    {
        var queue = Queue(call);
        var tags = engine.ListQueueTags(queue.Name);
        var response = call.Response;
        response.Begin("ListQueueTags");
        if (tags.Count > 0)
        {
            response.BeginMap("Tags");
            foreach (var (key, value) in tags)
            {
                response.MapEntry("Tag", "Key", "Value", key, value);
            }

            response.EndMap();
        }

        response.End("ListQueueTags", call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask ListDeadLetterSourceQueues(AwsCall call)
    {
        var queue = Queue(call);
        WritePage(call, "ListDeadLetterSourceQueues", "queueUrls", [.. engine.ListDeadLetterSourceQueues(queue.Name)]);
        return ValueTask.CompletedTask;
    }

    private ValueTask AddPermission(AwsCall call)
    {
        var queue = Queue(call);
        var label = call.Input.Required("Label");
        if (!SqsNames.IsIdentifier(label))
        {
            throw SqsError.Invalid(
                "Label", label, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
        }

        var accounts = call.Input.List("AWSAccountId", "AWSAccountIds");
        if (accounts is null || accounts.Count == 0)
        {
            throw SqsError.Missing("AWSAccountId");
        }

        foreach (var account in accounts)
        {
            if (!AwsAccount.IsValidAccountId(account))
            {
                throw SqsError.Invalid("AWSAccountId", account, "An AWS account id is 12 digits.");
            }
        }

        var actions = call.Input.List("ActionName", "Actions");
        if (actions is null || actions.Count == 0)
        {
            throw SqsError.Missing("ActionName");
        }

        foreach (var action in actions)
        {
            if (Array.IndexOf(PermissionActions, action) < 0)
            {
                throw SqsError.Invalid("ActionName", action, "Please refer to the appropriate WSDL for a list of valid actions.");
            }
        }

        metadata.Update(queue.Name, current =>
        {
            if (current.Permissions.Any(p => p.Label == label))
            {
                throw SqsError.Invalid("Label", label, "Already exists.");
            }

            var total = current.Permissions.Sum(p => p.Actions.Count) + actions.Count;
            if (total > MaxPolicyActions)
            {
                throw new AwsException(SqsError.OverLimit, $"{total} Actions were found, maximum allowed is {MaxPolicyActions}.");
            }

            return current with
            {
                LastModifiedTimestamp = time.GetUtcNow().ToUnixTimeSeconds(),
                Permissions = [.. current.Permissions, new Permission(label, accounts, actions)],
            };
        });
        call.Response.Empty("AddPermission", call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask RemovePermission(AwsCall call)
    {
        var queue = Queue(call);
        var label = call.Input.Required("Label");
        metadata.Update(queue.Name, current =>
        {
            if (!current.Permissions.Any(p => p.Label == label))
            {
                throw SqsError.Invalid("Label", label, "can't find label on existing policy.");
            }

            return current with
            {
                LastModifiedTimestamp = time.GetUtcNow().ToUnixTimeSeconds(),
                Permissions = [.. current.Permissions.Where(p => p.Label != label)],
            };
        });
        call.Response.Empty("RemovePermission", call.RequestId);
        return ValueTask.CompletedTask;
    }

    /// <summary>The Policy attribute: one set directly, or the statements AddPermission made, as SQS writes them.</summary>
    private string? PolicyOf(string queue, QueueMetadata known)
    {
        if (known.Attributes.TryGetValue("Policy", out var policy))
        {
            return policy;
        }

        if (known.Permissions.Count == 0)
        {
            return null;
        }

        var arn = names.Arn(queue);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("Version", "2012-10-17");
            json.WriteString("Id", arn + "/SQSDefaultPolicy");
            json.WriteStartArray("Statement");
            foreach (var permission in known.Permissions)
            {
                json.WriteStartObject();
                json.WriteString("Sid", permission.Label);
                json.WriteString("Effect", "Allow");
                json.WriteStartObject("Principal");
                WriteOneOrMany(json, "AWS", permission.Accounts.Select(account => $"arn:aws:iam::{account}:root"));
                json.WriteEndObject();
                WriteOneOrMany(json, "Action", permission.Actions.Select(action => "SQS:" + action));
                json.WriteString("Resource", arn);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>As SQS writes a policy: a single value as a string, several as an array.</summary>
    private static void WriteOneOrMany(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        var list = values.ToList();
        if (list.Count == 1)
        {
            json.WriteString(name, list[0]);
            return;
        }

        json.WriteStartArray(name);
        foreach (var value in list)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private async ValueTask StartMessageMoveTaskAsync(AwsCall call)
    {
        var input = call.Input;
        var source = QueueOfArn(input.Required("SourceArn"), "SourceArn");
        var destinationArn = input.String("DestinationArn");
        var destination = string.IsNullOrEmpty(destinationArn) ? null : QueueOfArn(destinationArn, "DestinationArn");
        var rate = input.IntInRange("MaxNumberOfMessagesPerSecond", 1, 500);
        string handle;
        try
        {
            handle = await engine.StartMessageMoveTaskAsync(source, destination, rate, call.Aborted).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new AwsException(
                SqsError.UnsupportedOperation,
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time. " + e.Message);
        }

        call.Response.Begin("StartMessageMoveTask");
        call.Response.String("TaskHandle", handle);
        call.Response.End("StartMessageMoveTask", call.RequestId);
    }

    private ValueTask ListMessageMoveTasks(AwsCall call)
    {
        var source = QueueOfArn(call.Input.Required("SourceArn"), "SourceArn");
        var max = call.Input.IntInRange("MaxResults", 1, 10) ?? 1;
        var tasks = engine.ListMessageMoveTasks(source, max);
        var response = call.Response;
        response.Begin("ListMessageMoveTasks");
        response.BeginList("Results");
        foreach (var task in tasks)
        {
            response.BeginItem("ListMessageMoveTasksResultEntry");
            if (task.Status == MessageMoveTaskState.Running)
            {
                response.String("TaskHandle", task.TaskHandle);
            }

            response.String("Status", task.Status.ToString().ToUpperInvariant());
            response.String("SourceArn", names.Arn(task.SourceQueue));
            response.String("DestinationArn", task.DestinationQueue is null ? null : names.Arn(task.DestinationQueue));
            if (task.MaxNumberOfMessagesPerSecond is { } rate)
            {
                response.Number("MaxNumberOfMessagesPerSecond", rate);
            }

            response.Number("ApproximateNumberOfMessagesMoved", task.ApproximateNumberOfMessagesMoved);
            response.Number("ApproximateNumberOfMessagesToMove", task.ApproximateNumberOfMessagesToMove);
            response.String("FailureReason", task.FailureReason);
            response.Number("StartedTimestamp", task.StartedTimestamp.ToUnixTimeMilliseconds());
            response.EndItem("ListMessageMoveTasksResultEntry");
        }

        response.EndList();
        response.End("ListMessageMoveTasks", call.RequestId);
        return ValueTask.CompletedTask;
    }

    private async ValueTask CancelMessageMoveTaskAsync(AwsCall call)
    {
        var handle = call.Input.Required("TaskHandle");
        long moved;
        try
        {
            moved = await engine.CancelMessageMoveTaskAsync(handle, call.Aborted).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            throw new AwsException(SqsError.ResourceNotFound, "Task does not exist.");
        }
        catch (InvalidOperationException e)
        {
            throw new AwsException(SqsError.UnsupportedOperation, e.Message);
        }

        call.Response.Begin("CancelMessageMoveTask");
        call.Response.Number("ApproximateNumberOfMessagesMoved", moved);
        call.Response.End("CancelMessageMoveTask", call.RequestId);
    }

    private string QueueOfArn(string arn, string parameter)
    {
        var name = SqsNames.QueueNameOfArn(arn) ?? throw SqsError.Invalid(parameter, arn, "Not a valid SQS queue ARN.");
        return engine.TryGetQueue(name, out _)
            ? name
            : throw new AwsException(
                SqsError.ResourceNotFound, $"The resource that you specified for the {parameter} parameter doesn't exist.");
    }
}
