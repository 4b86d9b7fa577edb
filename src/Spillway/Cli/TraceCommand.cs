using System.CommandLine;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary>
/// <c>spillway trace &lt;message-id&gt; [--log file]</c>: follows one message through a server's log (stdin by default),
/// from its POST to its row. The server logs those events with <c>Spillway:Logging:TraceMessages</c> on; JSON lines
/// (<c>Spillway:Logging:Format=json</c>) are read field by field, plain lines by the id they contain.
/// </summary>
internal static class TraceCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("message-id") { Description = "The id a 202 answered with." };
        var log = new Option<FileInfo?>("--log") { Description = "The server's log file (default: standard input)." };
        var command = new Command("trace", "Show the path of one message (accepted, received, written or failed) from a server's log.")
        {
            id, log,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!Guid.TryParse(result.GetValue(id), out var messageId))
            {
                await Console.Error.WriteLineAsync($"spillway: '{result.GetValue(id)}' is not a message id").ConfigureAwait(false);
                return 2;
            }

            var file = result.GetValue(log);
            if (file is not null && !file.Exists)
            {
                await Console.Error.WriteLineAsync($"spillway: log file '{file.FullName}' does not exist").ConfigureAwait(false);
                return 2;
            }

            using var reader = file is null ? new StreamReader(Console.OpenStandardInput()) : file.OpenText();
            var events = await FindAsync(reader, messageId, cancellationToken).ConfigureAwait(false);
            if (events.Count == 0)
            {
                await Console.Error.WriteLineAsync(
                    $"spillway: no log event mentions message {messageId} (the server logs them with Spillway:Logging:TraceMessages=true)")
                    .ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"message {messageId}: {events.Count} event(s)");

            // The gateway logs "accepted" once the send is durable, and by then a worker may already have received the
            // message and logged that first: acceptance comes first in the path whatever the log's line order; the
            // rest (receives, retries, the write) keep their order.
            foreach (var e in events.OrderBy(e => e.Stage == "accepted" ? 0 : 1))
            {
                Console.WriteLine($"{e.Timestamp,-25} {e.Stage,-9} {e.Text}");
            }

            return 0;
        });
        return command;
    }

    internal static async Task<List<TraceEvent>> FindAsync(TextReader reader, Guid messageId, CancellationToken cancellationToken)
    {
        var needle = messageId.ToString("D");
        var events = new List<TraceEvent>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!line.Contains(needle, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parsed = line.StartsWith('{') ? TryParseJson(line, needle) : null;
            events.Add(parsed ?? new TraceEvent(string.Empty, Stage(line), line));
        }

        return events;
    }

    private static TraceEvent? TryParseJson(string line, string needle)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (!root.TryGetProperty("State", out var state) || !state.TryGetProperty("MessageId", out var id)
                || !string.Equals(id.GetString(), needle, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var message = root.TryGetProperty("Message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
            var timestamp = root.TryGetProperty("Timestamp", out var t) ? t.GetString() ?? string.Empty : string.Empty;
            return new TraceEvent(timestamp, Stage(message), message);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Stage(string text) =>
        text.Contains(" accepted into queue ", StringComparison.Ordinal) ? "accepted"
        : text.Contains(" received by worker ", StringComparison.Ordinal) ? "received"
        : text.Contains(" written to sink ", StringComparison.Ordinal) || text.Contains(" handled by worker ", StringComparison.Ordinal) ? "done"
        : text.Contains(" failed in worker ", StringComparison.Ordinal) ? "failed"
        : "logged";

    internal sealed record TraceEvent(string Timestamp, string Stage, string Text);
}
