using System.Text.Json;
using Spillway.Storage;

namespace Spillway.Messaging.Internal;

/// <summary>
/// The recent message move tasks of one source queue, kept in <c>move-tasks.json</c> beside its <c>queue.json</c> and
/// replaced atomically the same way. A task found RUNNING or CANCELLING at open was interrupted by a stop or a crash:
/// it is reported FAILED (not resumed), and a new task can be started for what is left.
/// </summary>
internal static class MoveTaskStore
{
    public const string FileName = "move-tasks.json";
    public const string InterruptedReason = "interrupted: the engine stopped while the task was running";
    private const int FormatVersion = 1;

    public static void Write(IStorageDevice device, string queueDirectory, IEnumerable<MessageMoveTaskStatus> tasks)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", FormatVersion);
            json.WriteStartArray("tasks");
            foreach (var task in tasks)
            {
                json.WriteStartObject();
                json.WriteString("taskHandle", task.TaskHandle);
                json.WriteString("status", task.Status.ToString());
                json.WriteString("sourceQueue", task.SourceQueue);
                if (task.DestinationQueue is not null)
                {
                    json.WriteString("destinationQueue", task.DestinationQueue);
                }

                if (task.MaxNumberOfMessagesPerSecond is { } rate)
                {
                    json.WriteNumber("maxNumberOfMessagesPerSecond", rate);
                }

                json.WriteNumber("approximateNumberOfMessagesMoved", task.ApproximateNumberOfMessagesMoved);
                json.WriteNumber("approximateNumberOfMessagesToMove", task.ApproximateNumberOfMessagesToMove);
                if (task.FailureReason is not null)
                {
                    json.WriteString("failureReason", task.FailureReason);
                }

                json.WriteNumber("startedTimestampMs", task.StartedTimestamp.ToUnixTimeMilliseconds());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        device.WriteAtomically(Path.Combine(queueDirectory, FileName), stream.ToArray());
    }

    public static List<MessageMoveTaskStatus> Read(IStorageDevice device, string queueDirectory)
    {
        var path = Path.Combine(queueDirectory, FileName);
        if (!device.FileExists(path))
        {
            return [];
        }

        byte[] bytes;
        using (var file = device.Open(path, create: false))
        {
            bytes = new byte[file.Length];
            bytes = bytes[..file.Read(0, bytes)];
        }

        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var version = root.GetProperty("formatVersion").GetInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported move task format version {version} in {path}.");
        }

        var tasks = new List<MessageMoveTaskStatus>();
        foreach (var task in root.GetProperty("tasks").EnumerateArray())
        {
            var status = Enum.Parse<MessageMoveTaskState>(task.GetProperty("status").GetString()!);
            var interrupted = status is MessageMoveTaskState.Running or MessageMoveTaskState.Cancelling;
            tasks.Add(new MessageMoveTaskStatus
            {
                TaskHandle = task.GetProperty("taskHandle").GetString()!,
                Status = interrupted ? MessageMoveTaskState.Failed : status,
                SourceQueue = task.GetProperty("sourceQueue").GetString()!,
                DestinationQueue = task.TryGetProperty("destinationQueue", out var destination) ? destination.GetString() : null,
                MaxNumberOfMessagesPerSecond = task.TryGetProperty("maxNumberOfMessagesPerSecond", out var rate) ? rate.GetInt32() : null,
                ApproximateNumberOfMessagesMoved = task.GetProperty("approximateNumberOfMessagesMoved").GetInt64(),
                ApproximateNumberOfMessagesToMove = task.GetProperty("approximateNumberOfMessagesToMove").GetInt64(),
                FailureReason = interrupted ? InterruptedReason
                    : task.TryGetProperty("failureReason", out var reason) ? reason.GetString() : null,
                StartedTimestamp = DateTimeOffset.FromUnixTimeMilliseconds(task.GetProperty("startedTimestampMs").GetInt64()),
            });
        }

        return tasks;
    }
}
