using System.Globalization;
using System.Text.Json;
using Spillway.Storage;

namespace Spillway.Messaging.Streams.Internal;

/// <summary>What a stream's catalog holds besides its records.</summary>
internal sealed record StreamMetadata(
    StreamDefinition Definition,
    long CreatedAtMs,
    int NextShard,
    IReadOnlyList<ShardState> Shards,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<RegisteredConsumer> Consumers);

/// <summary>
/// A stream's durable catalog: <c>stream.json</c> (definition, shards, tags, registered consumers) and
/// <c>checkpoints.json</c> (per consumer and shard, the last sequence number processed), each replaced atomically
/// (temporary file, fsync, rename, directory fsync), so a crash leaves the old or the new content.
/// </summary>
internal static class StreamCatalog
{
    public const string FileName = "stream.json";
    public const string CheckpointsFileName = "checkpoints.json";
    private const int FormatVersion = 1;

    public static void Write(IStorageDevice device, string directory, StreamMetadata metadata)
    {
        device.CreateDirectory(directory);
        device.WriteAtomically(Path.Combine(directory, FileName), Serialize(metadata));
    }

    public static StreamMetadata? TryRead(IStorageDevice device, string directory)
    {
        var bytes = ReadFile(device, Path.Combine(directory, FileName));
        return bytes is null ? null : Deserialize(bytes);
    }

    public static void WriteCheckpoints(IStorageDevice device, string directory, Dictionary<string, Dictionary<string, string>> checkpoints)
    {
        device.WriteAtomically(Path.Combine(directory, CheckpointsFileName), JsonSerializer.SerializeToUtf8Bytes(checkpoints));
    }

    public static Dictionary<string, Dictionary<string, string>> ReadCheckpoints(IStorageDevice device, string directory)
    {
        var bytes = ReadFile(device, Path.Combine(directory, CheckpointsFileName));
        return bytes is null
            ? new(StringComparer.Ordinal)
            : new(JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(bytes)!, StringComparer.Ordinal);
    }

    private static byte[]? ReadFile(IStorageDevice device, string path)
    {
        if (!device.FileExists(path))
        {
            return null;
        }

        using var file = device.Open(path, create: false);
        var bytes = new byte[file.Length];
        var read = file.Read(0, bytes);
        return bytes[..read];
    }

    private static byte[] Serialize(StreamMetadata metadata)
    {
        var definition = metadata.Definition;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", FormatVersion);
            json.WriteString("name", definition.Name);
            json.WriteString("mode", definition.Mode == StreamMode.OnDemand ? "onDemand" : "provisioned");
            json.WriteNumber("retentionHours", (long)definition.Retention.TotalHours);
            json.WriteBoolean("enforceShardQuotas", definition.EnforceShardQuotas);
            json.WriteNumber("createdAtMs", metadata.CreatedAtMs);
            json.WriteNumber("nextShard", metadata.NextShard);
            json.WriteStartArray("shards");
            foreach (var shard in metadata.Shards)
            {
                json.WriteStartObject();
                json.WriteNumber("number", shard.Number);
                WriteOptional(json, "parent", shard.Parent);
                WriteOptional(json, "adjacentParent", shard.AdjacentParent);
                json.WriteString("startingHashKey", shard.StartingHashKey.ToString(CultureInfo.InvariantCulture));
                json.WriteString("endingHashKey", shard.EndingHashKey.ToString(CultureInfo.InvariantCulture));
                json.WriteNumber("startPosition", shard.StartPosition);
                WriteOptional(json, "endPosition", shard.EndPosition);
                WriteOptional(json, "closedAtMs", shard.ClosedAtMs);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("tags");
            foreach (var (key, value) in metadata.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteStartArray("consumers");
            foreach (var consumer in metadata.Consumers)
            {
                json.WriteStartObject();
                json.WriteString("name", consumer.Name);
                json.WriteNumber("createdAtMs", consumer.CreatedAt.ToUnixTimeMilliseconds());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    private static StreamMetadata Deserialize(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var version = root.GetProperty("formatVersion").GetInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported stream catalog format version {version}.");
        }

        var shards = new List<ShardState>();
        foreach (var element in root.GetProperty("shards").EnumerateArray())
        {
            shards.Add(new ShardState(
                element.GetProperty("number").GetInt32(),
                element.TryGetProperty("parent", out var parent) ? parent.GetInt32() : null,
                element.TryGetProperty("adjacentParent", out var adjacent) ? adjacent.GetInt32() : null,
                UInt128.Parse(element.GetProperty("startingHashKey").GetString()!, CultureInfo.InvariantCulture),
                UInt128.Parse(element.GetProperty("endingHashKey").GetString()!, CultureInfo.InvariantCulture),
                element.GetProperty("startPosition").GetInt64())
            {
                EndPosition = element.TryGetProperty("endPosition", out var end) ? end.GetInt64() : null,
                ClosedAtMs = element.TryGetProperty("closedAtMs", out var closed) ? closed.GetInt64() : null,
            });
        }

        var definition = new StreamDefinition
        {
            Name = root.GetProperty("name").GetString()!,
            Mode = root.GetProperty("mode").GetString() == "onDemand" ? StreamMode.OnDemand : StreamMode.Provisioned,
            Retention = TimeSpan.FromHours(root.GetProperty("retentionHours").GetInt64()),
            EnforceShardQuotas = root.GetProperty("enforceShardQuotas").GetBoolean(),
            ShardCount = Math.Max(1, shards.Count(s => s.IsOpen)),
        };
        return new StreamMetadata(
            definition,
            root.GetProperty("createdAtMs").GetInt64(),
            root.GetProperty("nextShard").GetInt32(),
            shards,
            root.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            [.. root.GetProperty("consumers").EnumerateArray().Select(c => new RegisteredConsumer(
                c.GetProperty("name").GetString()!, null, DateTimeOffset.FromUnixTimeMilliseconds(c.GetProperty("createdAtMs").GetInt64())))]);
    }
}
