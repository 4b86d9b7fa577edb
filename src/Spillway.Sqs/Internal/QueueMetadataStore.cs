using System.Text.Json;
using Spillway.Storage;

namespace Spillway.Sqs.Internal;

/// <summary>
/// What SQS reports about a queue that the engine's definition does not hold: creation and change times, the access
/// policy (AddPermission statements or a Policy attribute) and the encryption settings, which are stored and echoed
/// (Spillway has no IAM and no KMS). Kept in one small JSON file, replaced atomically on every change; these change
/// rarely, so the file is rewritten whole.
/// </summary>
internal sealed class QueueMetadataStore
{
    private const string FileName = "sqs-queues.json";

    private readonly Lock gate = new();
    private readonly Dictionary<string, QueueMetadata> queues = new(StringComparer.Ordinal);
    private readonly string? path;
    private readonly TimeProvider time;

    public QueueMetadataStore(string? directory, TimeProvider time)
    {
        this.time = time;
        if (directory is null)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            Load(File.ReadAllBytes(path));
        }
    }

    /// <summary>
    /// A queue's metadata. A queue never seen before (one the configuration created) counts as created now, and that
    /// is recorded, so its CreatedTimestamp stays put across restarts.
    /// </summary>
    public QueueMetadata Get(string queue)
    {
        lock (gate)
        {
            if (!queues.TryGetValue(queue, out var metadata))
            {
                var now = time.GetUtcNow().ToUnixTimeSeconds();
                queues[queue] = metadata = new QueueMetadata { CreatedTimestamp = now, LastModifiedTimestamp = now };
                Save();
            }

            return metadata;
        }
    }

    /// <summary>Applies <paramref name="change"/> to a copy of the queue's metadata and stores it durably.</summary>
    public void Update(string queue, Func<QueueMetadata, QueueMetadata> change)
    {
        lock (gate)
        {
            var updated = change(queues.TryGetValue(queue, out var current) ? current : Get(queue));
            queues[queue] = updated;
            Save();
        }
    }

    public void Remove(string queue)
    {
        lock (gate)
        {
            if (queues.Remove(queue))
            {
                Save();
            }
        }
    }

    private void Save()
    {
        if (path is null)
        {
            return;
        }

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", 1);
            json.WriteStartObject("queues");
            foreach (var (name, metadata) in queues)
            {
                json.WriteStartObject(name);
                json.WriteNumber("createdTimestamp", metadata.CreatedTimestamp);
                json.WriteNumber("lastModifiedTimestamp", metadata.LastModifiedTimestamp);
                json.WriteStartObject("attributes");
                foreach (var (key, value) in metadata.Attributes)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
                json.WriteStartArray("permissions");
                foreach (var permission in metadata.Permissions)
                {
                    json.WriteStartObject();
                    json.WriteString("label", permission.Label);
                    WriteArray(json, "accounts", permission.Accounts);
                    WriteArray(json, "actions", permission.Actions);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        // The shared atomic replace: the rename is made durable too (its directory fsynced), which a bare move was not.
        FileStorageDevice.Instance.WriteAtomically(path, stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private void Load(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        if (!document.RootElement.TryGetProperty("queues", out var all))
        {
            return;
        }

        foreach (var queue in all.EnumerateObject())
        {
            var value = queue.Value;
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var attribute in value.GetProperty("attributes").EnumerateObject())
            {
                attributes[attribute.Name] = attribute.Value.GetString() ?? string.Empty;
            }

            var permissions = new List<Permission>();
            foreach (var permission in value.GetProperty("permissions").EnumerateArray())
            {
                permissions.Add(new Permission(
                    permission.GetProperty("label").GetString()!,
                    [.. permission.GetProperty("accounts").EnumerateArray().Select(a => a.GetString()!)],
                    [.. permission.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)]));
            }

            queues[queue.Name] = new QueueMetadata
            {
                CreatedTimestamp = value.GetProperty("createdTimestamp").GetInt64(),
                LastModifiedTimestamp = value.GetProperty("lastModifiedTimestamp").GetInt64(),
                Attributes = attributes,
                Permissions = permissions,
            };
        }
    }
}

/// <summary>A queue's SQS-only state. Immutable: a change makes a new one.</summary>
internal sealed record QueueMetadata
{
    /// <summary>Seconds since the Unix epoch, as SQS reports it.</summary>
    public long CreatedTimestamp { get; init; }

    public long LastModifiedTimestamp { get; init; }

    /// <summary>Stored-only attributes: Policy, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds, SqsManagedSseEnabled.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>AddPermission statements, by label.</summary>
    public IReadOnlyList<Permission> Permissions { get; init; } = [];
}

internal sealed record Permission(string Label, IReadOnlyList<string> Accounts, IReadOnlyList<string> Actions);
