using System.Collections.ObjectModel;
using System.Text.Json;

namespace Spillway.Messaging.Internal;

/// <summary>The definition fields added after the first format: absent in an older file means their defaults.</summary>
internal static partial class QueueCatalog
{
    private static void WritePolicies(Utf8JsonWriter json, QueueDefinition definition)
    {
        json.WriteNumber("receiveMessageWaitTimeMs", (long)definition.ReceiveMessageWaitTime.TotalMilliseconds);
        if (definition.RedriveAllowPolicy is { } allow)
        {
            json.WriteStartObject("redriveAllowPolicy");
            json.WriteString("redrivePermission", allow.Permission switch
            {
                RedrivePermission.DenyAll => "denyAll",
                RedrivePermission.ByQueue => "byQueue",
                _ => "allowAll",
            });
            json.WriteStartArray("sourceQueues");
            foreach (var source in allow.SourceQueues ?? [])
            {
                json.WriteStringValue(source);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        if (definition.Tags.Count > 0)
        {
            json.WriteStartObject("tags");
            foreach (var (key, value) in definition.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }
    }

    private static QueueDefinition ReadPolicies(JsonElement root, QueueDefinition definition)
    {
        if (root.TryGetProperty("receiveMessageWaitTimeMs", out var wait))
        {
            definition = definition with { ReceiveMessageWaitTime = TimeSpan.FromMilliseconds(wait.GetInt64()) };
        }

        if (root.TryGetProperty("redriveAllowPolicy", out var allow))
        {
            var permission = allow.GetProperty("redrivePermission").GetString() switch
            {
                "allowAll" => RedrivePermission.AllowAll,
                "denyAll" => RedrivePermission.DenyAll,
                "byQueue" => RedrivePermission.ByQueue,
                var other => throw new InvalidDataException($"Unknown redrivePermission '{other}' in queue '{definition.Name}'."),
            };
            var sources = allow.GetProperty("sourceQueues").EnumerateArray().Select(s => s.GetString()!).ToArray();
            definition = definition with { RedriveAllowPolicy = new RedriveAllowPolicy(permission, sources) };
        }

        if (root.TryGetProperty("tags", out var tags))
        {
            definition = definition with { Tags = Freeze(tags.EnumerateObject().Select(p => (p.Name, p.Value.GetString()!))) };
        }

        return definition;
    }

    public static IReadOnlyDictionary<string, string> Freeze(IEnumerable<(string Key, string Value)> tags) =>
        new ReadOnlyDictionary<string, string>(tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal));
}
