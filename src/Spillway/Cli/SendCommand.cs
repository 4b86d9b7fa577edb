using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary>
/// <c>spillway send [file] [--route /submit]</c>: records from a file or stdin (a JSON object, a JSON array or NDJSON)
/// posted to an ingest route in NDJSON batches, several at once, with a progress bar. Each batch carries its own
/// Idempotency-Key, so a batch retried after a 503 (honouring Retry-After) or a lost answer is never stored twice.
/// </summary>
internal static class SendCommand
{
    private const int MaxRetries = 30;

    public static Command Create()
    {
        var file = new Argument<FileInfo?>("file") { Description = "JSON or NDJSON records (default: standard input).", Arity = ArgumentArity.ZeroOrOne };
        var route = new Option<string>("--route") { Description = "The ingest route's path.", DefaultValueFactory = _ => "/submit" };
        var batch = new Option<int>("--batch") { Description = "Records per request (1-10000).", DefaultValueFactory = _ => 500 };
        var parallel = new Option<int>("--parallel") { Description = "Requests in flight at once (1-64).", DefaultValueFactory = _ => 4 };
        var command = new Command("send", "Send records (a JSON object or array, or NDJSON) to a running server, with progress.")
        {
            file, route, batch, parallel, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => QueueCommands.RunAsync(result, async client =>
        {
            var size = result.GetValue(batch);
            var inFlight = result.GetValue(parallel);
            if (size is < 1 or > 10_000 || inFlight is < 1 or > 64)
            {
                throw new CliException("--batch must be 1-10000 and --parallel 1-64");
            }

            var input = result.GetValue(file);
            if (input is not null && !input.Exists)
            {
                throw new CliException($"file '{input.FullName}' does not exist");
            }

            byte[] data;
            await using (var stream = input is null ? Console.OpenStandardInput() : input.OpenRead())
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                data = copy.ToArray();
            }

            var records = ReadRecords(data);
            await SendAsync(client, result.GetValue(route)!, records, size, inFlight, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Splits the input into records, each one compact JSON object on its own.</summary>
    internal static List<string> ReadRecords(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data).Trim();
        if (text.Length == 0)
        {
            throw new CliException("no records in the input");
        }

        try
        {
            using var whole = JsonDocument.Parse(text);
            return whole.RootElement.ValueKind switch
            {
                JsonValueKind.Array => [.. whole.RootElement.EnumerateArray().Select((r, i) => Record(r, i + 1))],
                _ => [Record(whole.RootElement, 1)],
            };
        }
        catch (JsonException)
        {
            // Not one JSON value: NDJSON, one record per line.
        }

        var records = new List<string>();
        var line = 0;
        foreach (var raw in text.Split('\n'))
        {
            line++;
            if (raw.Trim().Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(raw);
                records.Add(Record(document.RootElement, line));
            }
            catch (JsonException e)
            {
                throw new CliException($"line {line} is not JSON: {e.Message}");
            }
        }

        return records;
    }

    private static string Record(JsonElement element, int position) => element.ValueKind == JsonValueKind.Object
        ? element.GetRawText().ReplaceLineEndings(" ")
        : throw new CliException($"record {position} is a JSON {element.ValueKind.ToString().ToLowerInvariant()}, not an object");

    private static async Task SendAsync(
        ServerClient client, string route, List<string> records, int size, int parallel, CancellationToken cancellationToken)
    {
        var batches = records.Chunk(size).Select((chunk, index) => (Index: index, Records: chunk)).ToList();
        var progress = new Progress(records.Count);
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                var body = Encoding.UTF8.GetBytes(string.Join('\n', batch.Records) + "\n");
                var key = Guid.NewGuid().ToString("N");
                for (var attempt = 1; ; attempt++)
                {
                    var (status, retryAfter, answer) = await client.PostAsync(route, body, "application/x-ndjson", key, ct).ConfigureAwait(false);
                    if (status is >= 200 and < 300)
                    {
                        progress.Add(batch.Records.Length);
                        return;
                    }

                    if (status == 503 && attempt < MaxRetries)
                    {
                        progress.Retried();
                        await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(retryAfter ?? 1, 1, 60)), ct).ConfigureAwait(false);
                        continue;
                    }

                    var first = (batch.Index * size) + 1;
                    throw new CliException(
                        $"records {first}-{first + batch.Records.Length - 1} were refused ({status}): {answer}; " +
                        $"{progress.Sent} record(s) before them were stored");
                }
            }).ConfigureAwait(false);
        progress.Finish();
    }

    /// <summary>A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise.</summary>
    private sealed class Progress(int total)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly Lock gate = new();
        private long sent;
        private int retries;
        private int lastTenth = -1;

        public long Sent => Interlocked.Read(ref sent);

        public void Retried() => Interlocked.Increment(ref retries);

        public void Add(int count)
        {
            var now = Interlocked.Add(ref sent, count);
            lock (gate)
            {
                var tenth = (int)(now * 10 / total);
                if (!Console.IsErrorRedirected)
                {
                    Console.Error.Write("\r" + Bar(now));
                }
                else if (tenth != lastTenth)
                {
                    lastTenth = tenth;
                    Console.Error.WriteLine(Bar(now));
                }
            }
        }

        public void Finish()
        {
            if (!Console.IsErrorRedirected)
            {
                Console.Error.WriteLine();
            }

            var seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"sent {Sent:N0} record(s) in {seconds:F1} s ({Sent / seconds:N0} records/s), {retries} retried after 503"));
        }

        private string Bar(long now)
        {
            const int width = 30;
            var filled = (int)(now * width / total);
            var rate = now / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('.', width - filled)}] {now:N0}/{total:N0} records  {rate:N0}/s");
        }
    }
}
