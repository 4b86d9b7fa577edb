using System.Text.Json;

namespace Spillway.Objects.Lifecycle;

/// <summary>Lifecycle rules as the local store keeps them in a bucket's marker file.</summary>
internal static class LifecycleJson
{
    public static void Write(Utf8JsonWriter json, IReadOnlyList<LifecycleRule> rules)
    {
        json.WriteStartArray();
        foreach (var rule in rules)
        {
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("prefix", rule.Prefix);
            json.WriteBoolean("enabled", rule.Enabled);
            if (rule.ArchiveAfterDays is { } archive)
            {
                json.WriteNumber("archiveAfterDays", archive);
            }

            if (rule.ExpireAfterDays is { } expire)
            {
                json.WriteNumber("expireAfterDays", expire);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    public static IReadOnlyList<LifecycleRule> Read(JsonElement rules) => [.. rules.EnumerateArray().Select(r => new LifecycleRule
    {
        Id = r.GetProperty("id").GetString()!,
        Prefix = r.GetProperty("prefix").GetString()!,
        Enabled = r.GetProperty("enabled").GetBoolean(),
        ArchiveAfterDays = r.TryGetProperty("archiveAfterDays", out var archive) ? archive.GetInt32() : null,
        ExpireAfterDays = r.TryGetProperty("expireAfterDays", out var expire) ? expire.GetInt32() : null,
    })];
}
