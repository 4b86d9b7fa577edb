using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway queues list</c> and <c>spillway dlq list|redrive</c> against a running server.</summary>
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
        return new Command("queues", "Inspect queues on a running server.") { list };
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

    private static async Task<int> RunAsync(ParseResult result, Func<ServerClient, Task> action)
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
