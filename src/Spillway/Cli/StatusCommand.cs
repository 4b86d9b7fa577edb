using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway status</c>: queues, workers, sinks and alarms of a running server, as tables.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show a running server's queues, workers, sinks and alarms.")
        {
            ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => QueueCommands.RunAsync(result, async client =>
        {
            using var stats = await client.SendAsync(HttpMethod.Get, "/v1/stats", null, cancellationToken).ConfigureAwait(false);
            Console.Write(Render(stats.RootElement));
        }));
        return command;
    }

    internal static string Render(JsonElement stats)
    {
        var text = new System.Text.StringBuilder();
        Table(
            text,
            ["QUEUE", "VISIBLE", "IN FLIGHT", "DELAYED", "OLDEST (s)", "SENT", "DELETED", "DEAD-LETTERED"],
            stats.GetProperty("queues").EnumerateArray().Select(q => new[]
            {
                q.GetProperty("name").GetString()!, N(q, "visible"), N(q, "inFlight"), N(q, "delayed"),
                q.GetProperty("oldestMessageAgeSeconds").GetDouble().ToString("F1", CultureInfo.InvariantCulture),
                N(q, "sent"), N(q, "deleted"), N(q, "deadLettered"),
            }));
        Table(
            text,
            ["WORKER", "QUEUE", "SINK", "STATE", "RUNNING", "LIMIT", "RANGE"],
            stats.GetProperty("workers").EnumerateArray().Select(w => new[]
            {
                w.GetProperty("name").GetString()!, w.GetProperty("queue").GetString()!, w.GetProperty("sink").GetString() ?? "-",
                !w.GetProperty("enabled").GetBoolean() ? "disabled" : w.GetProperty("paused").GetBoolean() ? "paused (sink down)" : "running",
                N(w, "concurrency"), N(w, "concurrencyLimit"),
                w.GetProperty("minConcurrency").ValueKind == JsonValueKind.Number
                    ? $"{N(w, "minConcurrency")}-{N(w, "maxConcurrency")}"
                    : "fixed " + N(w, "maxConcurrency"),
            }));
        Table(
            text,
            ["SINK", "DATABASE", "ROWS WRITTEN", "CONNECTIONS", "POOL WAITS", "STATE"],
            stats.GetProperty("sinks").EnumerateArray().Select(s => new[]
            {
                s.GetProperty("name").GetString()!, s.GetProperty("provider").GetString()!, N(s, "rowsWritten"),
                $"{N(s, "connectionsInUse")}/{N(s, "maxConnections")}", N(s, "poolWaits"),
                s.GetProperty("consecutiveFailures").GetInt64() > 0 ? N(s, "consecutiveFailures") + " failed writes" : "ok",
            }));
        var alarms = stats.GetProperty("alarms").EnumerateArray()
            .Select(a => new[] { a.GetProperty("name").GetString()!, a.GetProperty("state").GetString()! }).ToList();
        if (alarms.Count > 0)
        {
            Table(text, ["ALARM", "STATE"], alarms);
        }

        return text.ToString();
    }

    private static string N(JsonElement element, string property) =>
        element.GetProperty(property).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private static void Table(System.Text.StringBuilder text, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        void Line(string[] cells) => text.AppendLine(string.Join("  ", cells.Select((c, i) =>
            i == 0 || !char.IsAsciiDigit(c.FirstOrDefault()) ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(headers);
        foreach (var row in all)
        {
            Line(row);
        }

        text.AppendLine();
    }
}
