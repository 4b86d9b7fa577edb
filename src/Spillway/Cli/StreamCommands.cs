using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spillway.Messaging.Streams;

namespace Spillway.Cli;

/// <summary><c>spillway streams list|create|describe|put|tail</c> against a running server's <c>/v1/streams</c>.</summary>
internal static partial class StreamCommands
{
    public static Command Create() => new("streams", "List, create, describe, put into and tail streams on a running server.")
    {
        List(), CreateStream(), Describe(), Put(), Tail(),
    };

    private static Command List()
    {
        var command = new Command("list", "List streams with their shards, records kept and records put since the server started.")
        {
            ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(HttpMethod.Get, "/v1/streams", null, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("STREAM", "STATUS", "MODE", "SHARDS", "RETENTION (h)", "RECORDS KEPT", "OLDEST KEPT", "PUT", "PUT BYTES");
            foreach (var stream in document.RootElement.GetProperty("streams").EnumerateArray())
            {
                table.Add(
                    stream.GetProperty("name").GetString(),
                    stream.GetProperty("status").GetString(),
                    stream.GetProperty("mode").GetString(),
                    stream.GetProperty("openShards").GetInt32(),
                    stream.GetProperty("retentionHours").GetInt32(),
                    stream.GetProperty("recordsKept").GetInt64(),
                    Oldest(stream),
                    stream.GetProperty("incomingRecords").GetInt64(),
                    stream.GetProperty("incomingBytes").GetInt64());
            }

            table.Write(Console.Out);
        }));
        return command;
    }

    private static Command CreateStream()
    {
        var name = new Argument<string>("name") { Description = $"The new stream's name ({StreamLimits.NameRule})." };
        var shards = new Option<int?>("--shards") { Description = $"Shards of a provisioned stream (1-{StreamLimits.MaxShards}; default 1)." };
        var onDemand = new Option<bool>("--on-demand")
        {
            Description = $"An on-demand stream (starts with {StreamLimits.OnDemandInitialShards} shards) instead of a provisioned one.",
        };
        var retention = new Option<int?>("--retention-hours")
        {
            Description = $"Hours records are kept ({StreamLimits.MinRetentionHours}-{StreamLimits.MaxRetentionHours}; default 24).",
        };
        var quotas = new Option<bool>("--enforce-shard-quotas")
        {
            Description = "Refuse writes and reads above Kinesis's per-shard quotas, as AWS does (off by default).",
        };
        var command = new Command("create", "Create a stream; succeeds when an identical stream exists.")
        {
            name, shards, onDemand, retention, quotas, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["name"] = result.GetValue(name),
                ["shardCount"] = result.GetValue(shards),
                ["mode"] = result.GetValue(onDemand) ? "onDemand" : "provisioned",
                ["retentionHours"] = result.GetValue(retention),
                ["enforceShardQuotas"] = result.GetValue(quotas),
            });
            using var document = await client.SendAsync(HttpMethod.Post, "/v1/streams", body, cancellationToken).ConfigureAwait(false);
            WriteDescription(document.RootElement);
        }));
        return command;
    }

    private static Command Describe()
    {
        var name = new Argument<string>("name") { Description = "The stream." };
        var command = new Command("describe", "Show a stream's settings, counts and shards (with their hash-key and sequence ranges).")
        {
            name, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(
                HttpMethod.Get, "/v1/streams/" + Uri.EscapeDataString(result.GetValue(name)!), null, cancellationToken).ConfigureAwait(false);
            WriteDescription(document.RootElement);
        }));
        return command;
    }

    private static void WriteDescription(JsonElement stream)
    {
        foreach (var property in stream.EnumerateObject().Where(p => p.Name != "shards"))
        {
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            Console.WriteLine($"{property.Name,-22} {value}");
        }

        Console.WriteLine();
        var table = new TextTable("SHARD", "STATE", "PARENTS", "HASH KEYS", "SEQUENCE NUMBERS", "RECORDS KEPT", "PUT", "READS");
        foreach (var shard in stream.GetProperty("shards").EnumerateArray())
        {
            var parents = new[] { Optional(shard, "parentShardId"), Optional(shard, "adjacentParentShardId") }.OfType<string>().ToList();
            table.Add(
                shard.GetProperty("shardId").GetString(),
                shard.GetProperty("open").GetBoolean() ? "open" : "closed",
                parents.Count == 0 ? "" : string.Join(" + ", parents),
                $"{shard.GetProperty("startingHashKey").GetString()}..{shard.GetProperty("endingHashKey").GetString()}",
                $"{shard.GetProperty("startingSequenceNumber").GetString()}..{Optional(shard, "endingSequenceNumber")}",
                shard.GetProperty("recordsKept").GetInt64(),
                shard.GetProperty("incomingRecords").GetInt64(),
                shard.GetProperty("readCalls").GetInt64());
        }

        table.Write(Console.Out);
    }

    private static string? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Oldest(JsonElement stream) =>
        stream.TryGetProperty("oldestRecordTimestamp", out var oldest)
            ? oldest.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : null;
}
