using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary>
/// <c>spillway queues list|create|purge|attributes</c>, <c>spillway dlq list|redrive</c> and <c>spillway tail</c> against
/// a running server.
/// </summary>
internal static class QueueCommands
{
    public static Command Queues()
    {
        var list = new Command("list", "List queues with their approximate counts.") { ServerClient.ServerOption, ServerClient.ApiKeyOption };
        list.SetAction((result, cancellationToken) => RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(HttpMethod.Get, "/v1/queues", null, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"{"QUEUE",-32} {"VISIBLE",10} {"IN FLIGHT",10} {"DELAYED",10} {"OLDEST (s)",11}  DLQ");
            foreach (var queue in document.RootElement.GetProperty("queues").EnumerateArray())
            {
                var oldest = queue.TryGetProperty("oldestMessageAgeSeconds", out var age)
                    ? age.GetDouble().ToString("F1", CultureInfo.InvariantCulture)
                    : "-";
                var dlq = queue.TryGetProperty("deadLetterQueue", out var d) ? d.GetString() : "";
                Console.WriteLine(
                    $"{queue.GetProperty("name").GetString(),-32} {queue.GetProperty("visible").GetInt64(),10} " +
                    $"{queue.GetProperty("inFlight").GetInt64(),10} {queue.GetProperty("delayed").GetInt64(),10} {oldest,11}  {dlq}");
            }
        }));
        return new Command("queues", "Inspect and manage queues on a running server.") { list, Create(), Purge(), Attributes() };
    }

    /// <summary><c>spillway tail &lt;queue&gt;</c>: prints messages as they arrive, without receiving them.</summary>
    public static Command Tail()
    {
        var queueArgument = new Argument<string>("queue") { Description = "The queue to watch." };
        var count = new Option<int?>("--count") { Description = "Stop after this many messages (default: until Ctrl-C)." };
        var command = new Command("tail", "Watch messages arrive in a queue without consuming them (those still in it when polled).")
        {
            queueArgument, count, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result, async client =>
        {
            var name = Uri.EscapeDataString(result.GetValue(queueArgument)!);
            var limit = result.GetValue(count);
            long after = 0;
            var shown = 0;
            while (!cancellationToken.IsCancellationRequested && (limit is null || shown < limit))
            {
                using var page = await client.SendAsync(HttpMethod.Get, $"/v1/queues/{name}/tail?after={after}", null, cancellationToken)
                    .ConfigureAwait(false);
                var messages = page.RootElement.GetProperty("messages");
                foreach (var message in messages.EnumerateArray())
                {
                    if (limit is not null && shown >= limit)
                    {
                        break;
                    }

                    shown++;
                    Console.WriteLine(
                        $"{message.GetProperty("sentTimestamp").GetString()}  {message.GetProperty("messageId").GetString()}  " +
                        message.GetProperty("body").GetString());
                }

                after = page.RootElement.GetProperty("next").GetInt64();
                if (messages.GetArrayLength() == 0)
                {
                    try
                    {
                        await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }));
        return command;
    }

    private static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Queue name (ending in .fifo for a FIFO queue)." };
        var visibility = new Option<int?>("--visibility-timeout") { Description = "Seconds (default 30)." };
        var dlq = new Option<string?>("--dlq") { Description = "Dead-letter queue (must exist)." };
        var maxReceives = new Option<int?>("--max-receive-count") { Description = "Receives before dead-lettering (default 5)." };
        var command = new Command("create", "Create a queue.") { name, visibility, dlq, maxReceives, ServerClient.ServerOption, ServerClient.ApiKeyOption };
        command.SetAction((result, cancellationToken) => RunAsync(result, async client =>
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["name"] = result.GetValue(name),
                ["visibilityTimeoutSeconds"] = result.GetValue(visibility),
                ["deadLetterQueue"] = result.GetValue(dlq),
                ["maxReceiveCount"] = result.GetValue(maxReceives),
            });
            using var created = await client.SendAsync(HttpMethod.Post, "/v1/queues", body, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"created {created.RootElement.GetProperty("name").GetString()}");
        }));
        return command;
    }

    private static Command Purge()
    {
        var name = new Argument<string>("name") { Description = "The queue to empty." };
        var command = new Command("purge", "Delete every message in a queue.") { name, ServerClient.ServerOption, ServerClient.ApiKeyOption };
        command.SetAction((result, cancellationToken) => RunAsync(result, async client =>
        {
            using var _ = await client.SendAsync(
                HttpMethod.Post, $"/v1/queues/{Uri.EscapeDataString(result.GetValue(name)!)}/purge", null, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"purged {result.GetValue(name)}");
        }));
        return command;
    }

    private static Command Attributes()
    {
        var name = new Argument<string>("name") { Description = "The queue." };
        var command = new Command("attributes", "Show a queue's settings and counts.") { name, ServerClient.ServerOption, ServerClient.ApiKeyOption };
        command.SetAction((result, cancellationToken) => RunAsync(result, async client =>
        {
            using var attributes = await client.SendAsync(
                HttpMethod.Get, $"/v1/queues/{Uri.EscapeDataString(result.GetValue(name)!)}/attributes", null, cancellationToken)
                .ConfigureAwait(false);
            foreach (var property in attributes.RootElement.EnumerateObject())
            {
                Console.WriteLine($"{property.Name,-32} {(property.Value.ValueKind == JsonValueKind.Null ? "-" : property.Value.ToString())}");
            }
        }));
        return command;
    }

    public static Command DeadLetters()
    {
        var queueArgument = new Argument<string>("queue") { Description = "The dead-letter queue, e.g. submit-dlq." };
        var limit = new Option<int>("--limit") { Description = "Most messages to show.", DefaultValueFactory = _ => 10 };
        var list = new Command("list", "Show a dead-letter queue's messages without consuming them.")
        {
            queueArgument, limit, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        list.SetAction((result, cancellationToken) => RunAsync(result, async client =>
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
        redrive.SetAction((result, cancellationToken) => RunAsync(result, async client =>
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

    internal static async Task<int> RunAsync(ParseResult result, Func<ServerClient, Task> action)
    {
        try
        {
            using var client = ServerClient.From(result);
            await action(client).ConfigureAwait(false);
            return 0;
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync("spillway: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
