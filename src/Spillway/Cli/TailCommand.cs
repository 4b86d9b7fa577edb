using System.CommandLine;
using System.Globalization;

namespace Spillway.Cli;

/// <summary>
/// <c>spillway tail &lt;queue&gt;</c>: prints messages as they arrive in a queue without receiving them, by looking at
/// the queue's oldest messages (<c>GET /v1/queues/{name}/messages</c>) again and again and printing the ones not seen
/// before. A message that arrives and is handled between two looks is not shown, and while more messages wait than one
/// look returns (1,000) the newer ones appear only as the older ones are handled. Stops on Ctrl-C.
/// </summary>
internal static class TailCommand
{
    public static Command Create()
    {
        var queue = new Argument<string>("queue") { Description = "The queue to watch." };
        var interval = new Option<double>("--interval")
        {
            Description = "Seconds between looks (default 0.5).",
            DefaultValueFactory = _ => 0.5,
        };
        var all = new Option<bool>("--all") { Description = "Also print the messages already waiting when tail starts." };
        var count = new Option<int?>("--count") { Description = "Stop after this many messages (default: run until Ctrl-C)." };
        var command = new Command("tail", "Watch messages arrive in a queue without consuming them (Ctrl-C stops).")
        {
            queue, interval, all, count, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var seconds = result.GetValue(interval);
            if (seconds is < 0.05 or > 3600)
            {
                throw new CliException("--interval must be between 0.05 and 3600 seconds");
            }

            var path = $"/v1/queues/{Uri.EscapeDataString(result.GetValue(queue)!)}/messages?limit=1000";
            var limit = result.GetValue(count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var shown = 0;
            var first = true;
            try
            {
                while (limit is null || shown < limit)
                {
                    using var page = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
                    var current = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var message in page.RootElement.GetProperty("messages").EnumerateArray())
                    {
                        var id = message.GetProperty("messageId").GetString()!;
                        current.Add(id);
                        if (seen.Contains(id) || (first && !result.GetValue(all)) || (limit is { } l && shown >= l))
                        {
                            continue;
                        }

                        shown++;
                        var sent = message.GetProperty("sentTimestamp").GetDateTimeOffset();
                        Console.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"{sent.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}  {id}  {message.GetProperty("body").GetString()}"));
                    }

                    // Only what is still in the queue can come back into view; the rest is forgotten.
                    seen = current;
                    if (first)
                    {
                        await Console.Error.WriteLineAsync($"watching {result.GetValue(queue)} (Ctrl-C stops)").ConfigureAwait(false);
                        first = false;
                    }
                    if (limit is null || shown < limit)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C is how tail is meant to stop.
            }

            return 0;
        }));
        return command;
    }
}
