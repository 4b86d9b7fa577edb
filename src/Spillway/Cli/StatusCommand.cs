using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway status</c>: routes, queues, workers and sinks of a running server, as tables.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the server's overview as JSON instead of tables." };
        var command = new Command("status", "Show a running server's routes, queues, workers and sinks.")
        {
            json, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var overview = await client.SendAsync(HttpMethod.Get, "/v1/overview", null, cancellationToken).ConfigureAwait(false);
            if (result.GetValue(json))
            {
                Console.WriteLine(overview.RootElement.GetRawText());
                return;
            }

            Write(overview.RootElement, Console.Out);
        }));
        return command;
    }

    private static void Write(JsonElement overview, TextWriter output)
    {
        var routes = new TextTable("ROUTE", "PATH", "QUEUE", "MAX RECORDS", "MAX BACKLOG");
        foreach (var route in overview.GetProperty("routes").EnumerateArray())
        {
            routes.Add(
                Text(route, "name"), Text(route, "path"), Text(route, "queue"), Long(route, "maxRecordsPerRequest"),
                Long(route, "maxBacklog"));
        }

        var queues = new TextTable("QUEUE", "VISIBLE", "IN FLIGHT", "DELAYED", "OLDEST (s)", "SENT", "DELETED", "DEAD-LETTER QUEUE");
        foreach (var queue in overview.GetProperty("queues").EnumerateArray())
        {
            double? oldest = queue.TryGetProperty("oldestMessageAgeSeconds", out var age) ? age.GetDouble() : null;
            var deadLetters = queue.TryGetProperty("deadLetterQueue", out var dlq) ? dlq.GetString() : null;
            var sources = queue.GetProperty("deadLetterSources").EnumerateArray().Select(s => s.GetString()).ToList();
            queues.Add(
                Text(queue, "name"), Long(queue, "visible"), Long(queue, "inFlight"), Long(queue, "delayed"), oldest,
                Long(queue, "sent"), Long(queue, "deleted"),
                deadLetters ?? (sources.Count > 0 ? "(dead letters of " + string.Join(", ", sources) + ")" : ""));
        }

        var workers = new TextTable("WORKER", "QUEUE", "STATE", "RUNNING", "CONCURRENCY", "BATCH", "BATCHES", "SUCCEEDED", "FAILED");
        foreach (var worker in overview.GetProperty("workers").EnumerateArray())
        {
            var state = worker.GetProperty("pausedBySinkOutage").GetBoolean() ? "paused (sink down)"
                : worker.GetProperty("enabled").GetBoolean() ? "enabled" : "disabled";
            var concurrency = string.Create(
                CultureInfo.InvariantCulture,
                $"{worker.GetProperty("concurrencyLimit").GetInt32()}/{worker.GetProperty("maxConcurrency").GetInt32()}");
            if (worker.TryGetProperty("autoscaling", out var scaling) && scaling.ValueKind == JsonValueKind.Object)
            {
                concurrency += string.Create(
                    CultureInfo.InvariantCulture,
                    $" (auto {scaling.GetProperty("minConcurrency").GetInt32()}-{scaling.GetProperty("maxConcurrency").GetInt32()})");
            }

            workers.Add(
                Text(worker, "name"), Text(worker, "queue"), state, Long(worker, "currentConcurrency"), concurrency,
                Long(worker, "batchSize"), Long(worker, "batches"), Long(worker, "succeededMessages"), Long(worker, "failedMessages"));
        }

        var sinks = new TextTable("SINK", "DATABASE", "POOL IN USE", "POOL MAX", "PEAK", "WAITS");
        foreach (var sink in overview.GetProperty("sinks").EnumerateArray())
        {
            sinks.Add(
                Text(sink, "name"), Text(sink, "provider"), Long(sink, "inUse"), Long(sink, "maxConnections"), Long(sink, "peakInUse"),
                Long(sink, "waits"));
        }

        routes.Write(output);
        output.WriteLine();
        queues.Write(output);
        output.WriteLine();
        workers.Write(output);
        output.WriteLine();
        sinks.Write(output);
    }

    private static string? Text(JsonElement element, string name) => element.GetProperty(name).GetString();

    private static long Long(JsonElement element, string name) => element.GetProperty(name).GetInt64();
}
