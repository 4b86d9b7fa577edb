using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway queues list|create|purge|attributes</c> and <c>spillway dlq list|redrive</c> against a running server.</summary>
internal static class QueueCommands
{
    public static Command Queues()
    {
        var list = new Command("list", "List queues with their approximate counts.")
        {
            ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        list.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(HttpMethod.Get, "/v1/queues", null, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("QUEUE", "VISIBLE", "IN FLIGHT", "DELAYED", "OLDEST (s)", "DLQ");
            foreach (var queue in document.RootElement.GetProperty("queues").EnumerateArray())
            {
                double? oldest = queue.TryGetProperty("oldestMessageAgeSeconds", out var age) ? age.GetDouble() : null;
                table.Add(
                    queue.GetProperty("name").GetString(),
                    queue.GetProperty("visible").GetInt64(),
                    queue.GetProperty("inFlight").GetInt64(),
                    queue.GetProperty("delayed").GetInt64(),
                    oldest,
                    queue.TryGetProperty("deadLetterQueue", out var d) ? d.GetString() : "");
            }

            table.Write(Console.Out);
        }));

        var attributes = new QueueAttributeOptions();
        var createName = new Argument<string>("name") { Description = "The new queue's name (ending in .fifo for a FIFO queue)." };
        var create = new Command("create", "Create a queue; succeeds when an identical queue exists.") { createName };
        attributes.AddTo(create);
        create.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var body = attributes.ToJson(result, result.GetValue(createName));
            using var document = await client.SendAsync(HttpMethod.Post, "/v1/queues", body, cancellationToken).ConfigureAwait(false);
            WriteAttributes(document.RootElement);
        }));

        var purgeName = new Argument<string>("name") { Description = "The queue to empty." };
        var yes = new Option<bool>("--yes") { Description = "Confirm: every message in the queue is deleted." };
        var purge = new Command("purge", "Delete every message in a queue.")
        {
            purgeName, yes, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        purge.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var name = result.GetValue(purgeName)!;
            if (!result.GetValue(yes))
            {
                throw new CliException($"purge deletes every message in '{name}'; add --yes to confirm");
            }

            using var document = await client.SendAsync(
                HttpMethod.Post, $"/v1/queues/{Uri.EscapeDataString(name)}/purge", null, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"purged {name}: about {document.RootElement.GetProperty("purged").GetInt64():N0} message(s) deleted");
        }));

        var showName = new Argument<string>("name") { Description = "The queue." };
        var show = new Command("attributes", "Show a queue's attributes, or change those given as options.") { showName };
        attributes.AddTo(show);
        show.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var path = $"/v1/queues/{Uri.EscapeDataString(result.GetValue(showName)!)}/attributes";
            var changes = attributes.ToJson(result, name: null);
            using var document = changes == "{}"
                ? await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false)
                : await client.SendAsync(HttpMethod.Patch, path, changes, cancellationToken).ConfigureAwait(false);
            WriteAttributes(document.RootElement);
        }));

        return new Command("queues", "List, create, purge and configure queues on a running server.") { list, create, purge, show };
    }

    private static void WriteAttributes(JsonElement attributes)
    {
        foreach (var property in attributes.EnumerateObject())
        {
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            Console.WriteLine($"{property.Name,-32} {value}");
        }
    }

    public static Command DeadLetters()
    {
        var queueArgument = new Argument<string>("queue") { Description = "The dead-letter queue, e.g. submit-dlq." };
        var limit = new Option<int>("--limit") { Description = "Most messages to show.", DefaultValueFactory = _ => 10 };
        var list = new Command("list", "Show a dead-letter queue's messages without consuming them.")
        {
            queueArgument, limit, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        list.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var name = Uri.EscapeDataString(result.GetValue(queueArgument)!);
            using var document = await client.SendAsync(
                HttpMethod.Get, $"/v1/queues/{name}/messages?limit={result.GetValue(limit)}", null, cancellationToken).ConfigureAwait(false);
            var count = 0;
            foreach (var message in document.RootElement.GetProperty("messages").EnumerateArray())
            {
                count++;
                Console.WriteLine(
                    $"{message.GetProperty("messageId").GetString()}  received {message.GetProperty("receiveCount").GetInt32()}x  " +
                    $"sent {message.GetProperty("sentTimestamp").GetString()}  {message.GetProperty("body").GetString()}");
            }

            Console.WriteLine(count == 0 ? "(no messages)" : $"({count} shown)");
        }));

        var to = new Option<string?>("--to") { Description = "Destination queue (default: each message's source queue)." };
        var max = new Option<int?>("--max") { Description = "Most messages to move (default: all)." };
        var redrive = new Command("redrive", "Move a dead-letter queue's messages back to their source (or --to another queue).")
        {
            queueArgument, to, max, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        redrive.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var name = Uri.EscapeDataString(result.GetValue(queueArgument)!);
            var body = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["destination"] = result.GetValue(to),
                ["maxMessages"] = result.GetValue(max),
            });
            using var document = await client.SendAsync(HttpMethod.Post, $"/v1/queues/{name}/redrive", body, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"moved {document.RootElement.GetProperty("moved").GetInt32()} message(s)");
        }));
        return new Command("dlq", "List and redrive dead-letter queues on a running server.") { list, redrive };
    }
}
