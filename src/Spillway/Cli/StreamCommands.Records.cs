using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spillway.Messaging.Streams;

namespace Spillway.Cli;

/// <summary><c>spillway streams put</c> and <c>spillway streams tail</c>: records in and out as text.</summary>
internal static partial class StreamCommands
{
    // Below the API's 5 MiB per put, leaving room for the JSON around the data.
    private const int MaxRequestDataBytes = 4 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static Command Put()
    {
        var name = new Argument<string>("name") { Description = "The stream." };
        var data = new Argument<string[]>("data")
        {
            Description = "Records, one per argument, as UTF-8 text; without any, each line of stdin is one.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var partitionKey = new Option<string?>("--partition-key")
        {
            Description = "The partition key of every record (default: a new random key per record, spreading them over the shards).",
        };
        var command = new Command("put", "Put records into a stream, durable before it answers; prints each record's shard and sequence number.")
        {
            name, data, partitionKey, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var key = result.GetValue(partitionKey);
            if (key is { Length: 0 or > StreamLimits.MaxPartitionKeyLength })
            {
                throw new CliException($"--partition-key must be 1 to {StreamLimits.MaxPartitionKeyLength} characters");
            }

            var path = $"/v1/streams/{Uri.EscapeDataString(result.GetValue(name)!)}/records";
            var given = result.GetValue(data) ?? [];
            var records = given.Length > 0 ? given.ToAsyncEnumerable() : ReadLinesAsync(Console.In, cancellationToken);
            var batch = new List<string>();
            var batchBytes = 0;
            var put = 0;
            var failed = 0;
            await foreach (var record in records.ConfigureAwait(false))
            {
                var bytes = Encoding.UTF8.GetByteCount(record);
                if (batch.Count == StreamLimits.MaxPutRecords || (batch.Count > 0 && batchBytes + bytes > MaxRequestDataBytes))
                {
                    failed += await PutBatchAsync(client, path, batch, key, put, cancellationToken).ConfigureAwait(false);
                    put += batch.Count;
                    batch.Clear();
                    batchBytes = 0;
                }

                batch.Add(record);
                batchBytes += bytes;
            }

            if (batch.Count > 0)
            {
                failed += await PutBatchAsync(client, path, batch, key, put, cancellationToken).ConfigureAwait(false);
                put += batch.Count;
            }

            await Console.Error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture, $"put {put - failed:N0} record(s), {failed:N0} refused")).ConfigureAwait(false);
            return failed == 0 ? 0 : CliException.Failed;
        }));
        return command;
    }

    /// <summary>Puts one batch; prints each record's shard and sequence number, or why it was refused. Returns the refused count.</summary>
    private static async Task<int> PutBatchAsync(
        ServerClient client, string path, List<string> batch, string? key, int before, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["records"] = batch.Select(text => new Dictionary<string, string>
            {
                ["partitionKey"] = key ?? Guid.NewGuid().ToString("N"),
                ["text"] = text,
            }).ToList(),
        });
        using var answer = await client.SendAsync(HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false);
        var index = before;
        foreach (var outcome in answer.RootElement.GetProperty("records").EnumerateArray())
        {
            index++;
            if (outcome.TryGetProperty("errorCode", out var error))
            {
                await Console.Error.WriteLineAsync(
                    $"record {index} refused: {error.GetString()}: {Optional(outcome, "errorMessage")}").ConfigureAwait(false);
                continue;
            }

            Console.WriteLine($"{outcome.GetProperty("shardId").GetString()}  {outcome.GetProperty("sequenceNumber").GetString()}");
        }

        return answer.RootElement.GetProperty("failedRecordCount").GetInt32();
    }

    private static async IAsyncEnumerable<string> ReadLinesAsync(
        TextReader input, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    private static Command Tail()
    {
        var name = new Argument<string>("name") { Description = "The stream." };
        var from = new Option<string>("--from")
        {
            Description = "Where to start: latest (records put from now on), trim_horizon (the oldest kept) or at_timestamp.",
            DefaultValueFactory = _ => "latest",
        };
        from.AcceptOnlyFromAmong("latest", "trim_horizon", "at_timestamp");
        var timestamp = new Option<string?>("--timestamp")
        {
            Description = "With --from at_timestamp: an ISO 8601 time or seconds since the epoch.",
        };
        var count = new Option<long?>("--count") { Description = "Stop after this many records (default: run until Ctrl-C)." };
        var json = new Option<bool>("--json")
        {
            Description = "Print each record as the server sends it: one JSON object per line, data in base64.",
        };
        var command = new Command(
            "tail", "Print a stream's records as they arrive, across every shard and reshard, without moving any consumer (Ctrl-C stops).")
        {
            name, from, timestamp, count, json, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var query = new StringBuilder("?from=").Append(result.GetValue(from));
            if (result.GetValue(timestamp) is { } at)
            {
                query.Append("&timestamp=").Append(Uri.EscapeDataString(at));
            }

            if (result.GetValue(count) is { } limit)
            {
                query.Append(CultureInfo.InvariantCulture, $"&limit={limit}");
            }

            var stream = result.GetValue(name)!;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/v1/streams/{Uri.EscapeDataString(stream)}/tail{query}", UriKind.Relative));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
            try
            {
                using var response = await client.SendRawAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw ServerClient.Failure(response, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                }

                await Console.Error.WriteLineAsync($"tailing {stream} from {result.GetValue(from)} (Ctrl-C stops)").ConfigureAwait(false);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var reader = new StreamReader(body, Encoding.UTF8);
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    Console.WriteLine(result.GetValue(json) ? line : Format(line));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C is how tail is meant to stop.
            }
            catch (IOException e)
            {
                throw new CliException($"the server closed the tail: {e.Message}", CliException.Unreachable);
            }
        }));
        return command;
    }

    /// <summary>A record as one line: arrival time, shard, sequence number, partition key, and the data as text when it
    /// is UTF-8 (base64 otherwise, marked so).</summary>
    private static string Format(string line)
    {
        using var record = JsonDocument.Parse(line);
        var root = record.RootElement;
        var data = root.GetProperty("data").GetBytesFromBase64();
        string text;
        try
        {
            text = StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            text = "base64:" + Convert.ToBase64String(data);
        }

        var arrived = root.GetProperty("approximateArrivalTimestamp").GetDateTimeOffset().UtcDateTime;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{arrived:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}  {root.GetProperty("shardId").GetString()}  " +
            $"{root.GetProperty("sequenceNumber").GetString()}  {root.GetProperty("partitionKey").GetString()}  {text}");
    }
}
