using System.Text.Json;

namespace Spillway.Objects.Events;

/// <summary>Event notifications as the local store keeps them in a bucket's marker file.</summary>
internal static class NotificationJson
{
    public static void Write(Utf8JsonWriter json, IReadOnlyList<ObjectEventRule> rules)
    {
        json.WriteStartArray();
        foreach (var rule in rules)
        {
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("target", rule.Target.ToString());
            json.WriteString("arn", rule.TargetArn);
            json.WriteStartArray("events");
            foreach (var name in rule.Events)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteString("prefix", rule.Prefix);
            json.WriteString("suffix", rule.Suffix);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The rules of a marker; none in a marker written before notifications existed.</summary>
    public static IReadOnlyList<ObjectEventRule> Read(JsonElement marker) =>
        !marker.TryGetProperty("notifications", out var rules)
            ? []
            : [.. rules.EnumerateArray().Select(r => new ObjectEventRule
            {
                Id = r.GetProperty("id").GetString()!,
                Target = Enum.Parse<ObjectEventTarget>(r.GetProperty("target").GetString()!),
                TargetArn = r.GetProperty("arn").GetString()!,
                Events = [.. r.GetProperty("events").EnumerateArray().Select(e => e.GetString()!)],
                Prefix = r.GetProperty("prefix").GetString()!,
                Suffix = r.GetProperty("suffix").GetString()!,
            })];
}
