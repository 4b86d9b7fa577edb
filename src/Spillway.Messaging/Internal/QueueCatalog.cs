using System.Text.Json;
using Spillway.Storage;

namespace Spillway.Messaging.Internal;

/// <summary>
/// Durable queue definitions: one <c>queue.json</c> per queue directory, replaced atomically (write a temporary file,
/// fsync it, rename it over the old one, fsync the directory), so a crash leaves the old or the new definition.
/// </summary>
internal static partial class QueueCatalog
{
    public const string FileName = "queue.json";
    private const int FormatVersion = 1;

    public static void Write(IStorageDevice device, string queueDirectory, QueueDefinition definition)
    {
        device.CreateDirectory(queueDirectory);
        device.WriteAtomically(Path.Combine(queueDirectory, FileName), Serialize(definition));
    }

    public static QueueDefinition? TryRead(IStorageDevice device, string queueDirectory)
    {
        var path = Path.Combine(queueDirectory, FileName);
        if (!device.FileExists(path))
        {
            return null;
        }

        using var file = device.Open(path, create: false);
        var bytes = new byte[file.Length];
        var read = file.Read(0, bytes);
        return Deserialize(bytes.AsSpan(0, read));
    }

    private static byte[] Serialize(QueueDefinition definition)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", FormatVersion);
            json.WriteString("name", definition.Name);
            json.WriteNumber("visibilityTimeoutMs", (long)definition.VisibilityTimeout.TotalMilliseconds);
            json.WriteNumber("deliveryDelayMs", (long)definition.DeliveryDelay.TotalMilliseconds);
            json.WriteNumber("messageRetentionPeriodMs", (long)definition.MessageRetentionPeriod.TotalMilliseconds);
            json.WriteNumber("maximumMessageSize", definition.MaximumMessageSize);
            if (definition.RedrivePolicy is { } redrive)
            {
                json.WriteStartObject("redrivePolicy");
                json.WriteString("deadLetterQueue", redrive.DeadLetterQueue);
                json.WriteNumber("maxReceiveCount", redrive.MaxReceiveCount);
                json.WriteEndObject();
            }

            if (definition.FifoQueue)
            {
                // Written only for FIFO queues, so a standard queue's file is unchanged.
                json.WriteStartObject("fifo");
                json.WriteBoolean("contentBasedDeduplication", definition.ContentBasedDeduplication);
                json.WriteString("deduplicationScope", definition.DeduplicationScope == DeduplicationScope.MessageGroup ? "messageGroup" : "queue");
                json.WriteString(
                    "fifoThroughputLimit",
                    definition.FifoThroughputLimit == FifoThroughputLimit.PerMessageGroupId ? "perMessageGroupId" : "perQueue");
                json.WriteEndObject();
            }

            WritePolicies(json, definition);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static QueueDefinition Deserialize(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var version = root.GetProperty("formatVersion").GetInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported queue definition format version {version}.");
        }

        RedrivePolicy? redrive = null;
        if (root.TryGetProperty("redrivePolicy", out var policy))
        {
            redrive = new RedrivePolicy(
                policy.GetProperty("deadLetterQueue").GetString()!, policy.GetProperty("maxReceiveCount").GetInt32());
        }

        var fifo = root.TryGetProperty("fifo", out var fifoElement);
        return ReadPolicies(root, new QueueDefinition
        {
            FifoQueue = fifo,
            ContentBasedDeduplication = fifo && fifoElement.GetProperty("contentBasedDeduplication").GetBoolean(),
            DeduplicationScope = fifo && fifoElement.GetProperty("deduplicationScope").GetString() == "messageGroup"
                ? DeduplicationScope.MessageGroup
                : DeduplicationScope.Queue,
            FifoThroughputLimit = fifo && fifoElement.GetProperty("fifoThroughputLimit").GetString() == "perMessageGroupId"
                ? FifoThroughputLimit.PerMessageGroupId
                : FifoThroughputLimit.PerQueue,
            Name = root.GetProperty("name").GetString()!,
            VisibilityTimeout = TimeSpan.FromMilliseconds(root.GetProperty("visibilityTimeoutMs").GetInt64()),
            DeliveryDelay = TimeSpan.FromMilliseconds(root.GetProperty("deliveryDelayMs").GetInt64()),
            MessageRetentionPeriod = TimeSpan.FromMilliseconds(root.GetProperty("messageRetentionPeriodMs").GetInt64()),
            MaximumMessageSize = root.GetProperty("maximumMessageSize").GetInt32(),
            RedrivePolicy = redrive,
        });
    }
}
