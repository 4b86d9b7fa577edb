using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary>
/// <c>spillway send &lt;route&gt; [file]</c>: posts the records of a JSON file (an object or an array of objects) or an
/// NDJSON file, or of stdin, to a route in batches, with a progress bar. A batch the server refuses for some records is
/// sent again without them, so every valid record is stored and every invalid one is reported with its reason. Each
/// batch carries an Idempotency-Key, so a batch retried after a 503 is never stored twice.
/// </summary>
internal static class SendCommand
{
    /// <summary>Exit code when the server was reached but refused some records.</summary>
    public const int SomeRejected = 4;

    private const int MaxReasonsShown = 10;

    public static Command Create()
    {
        var route = new Argument<string>("route") { Description = "The route's name or path, e.g. submit or /submit." };
        var file = new Argument<string?>("file")
        {
            Description = "A JSON or NDJSON file; stdin when omitted or '-'.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Records per request (default 500, at most the route's MaxRecordsPerRequest).",
            DefaultValueFactory = _ => 500,
        };
        var command = new Command("send", "Send the records of a JSON or NDJSON file (or stdin) to a route.")
        {
            route, file, batch, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            if (result.GetValue(batch) < 1)
            {
                throw new CliException("--batch must be at least 1");
            }

            var records = RecordReader.Read(await ReadInputAsync(result.GetValue(file), cancellationToken).ConfigureAwait(false));
            var target = await ResolveRouteAsync(client, result.GetValue(route)!, cancellationToken).ConfigureAwait(false);
            var sender = new BatchSender(client, target.Path, records, new ProgressBar(records.Count, "records"));
            await sender.SendAsync(Math.Min(result.GetValue(batch), target.MaxRecords), target.MaxBodyBytes, cancellationToken)
                .ConfigureAwait(false);

            foreach (var (index, reason) in sender.Rejected.Take(MaxReasonsShown))
            {
                await Console.Error.WriteLineAsync($"record {index + 1} rejected: {reason}").ConfigureAwait(false);
            }

            if (sender.Rejected.Count > MaxReasonsShown)
            {
                await Console.Error.WriteLineAsync($"… and {sender.Rejected.Count - MaxReasonsShown} more").ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"accepted {sender.Accepted:N0}, rejected {sender.Rejected.Count:N0} ({records.Count:N0} records to {target.Path})"));
            return sender.Rejected.Count == 0 ? 0 : SomeRejected;
        }));
        return command;
    }

    private static async Task<byte[]> ReadInputAsync(string? file, CancellationToken cancellationToken)
    {
        if (file is null or "-")
        {
            using var copy = new MemoryStream();
            await Console.OpenStandardInput().CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }

        try
        {
            return await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read '{file}': {e.Message}");
        }
    }

    private static async Task<(string Path, int MaxRecords, int MaxBodyBytes)> ResolveRouteAsync(
        ServerClient client, string name, CancellationToken cancellationToken)
    {
        using var overview = await client.SendAsync(HttpMethod.Get, "/v1/overview", null, cancellationToken).ConfigureAwait(false);
        var routes = overview.RootElement.GetProperty("routes").EnumerateArray().ToList();
        foreach (var route in routes)
        {
            if (string.Equals(route.GetProperty("name").GetString(), name, StringComparison.Ordinal)
                || string.Equals(route.GetProperty("path").GetString(), name, StringComparison.OrdinalIgnoreCase))
            {
                return (route.GetProperty("path").GetString()!, route.GetProperty("maxRecordsPerRequest").GetInt32(),
                    route.GetProperty("maxBodyBytes").GetInt32());
            }
        }

        var known = string.Join(", ", routes.Select(r => $"{r.GetProperty("name").GetString()} ({r.GetProperty("path").GetString()})"));
        throw new CliException($"there is no route '{name}'; the server has: {(known.Length == 0 ? "none" : known)}");
    }

    /// <summary>Sends records in batches and keeps the tally.</summary>
    private sealed class BatchSender(ServerClient client, string path, IReadOnlyList<byte[]> records, ProgressBar progress)
    {
        private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

        public int Accepted { get; private set; }

        /// <summary>Rejected records by input position (0-based), in input order.</summary>
        public SortedList<int, string> Rejected { get; } = [];

        public async Task SendAsync(int maxRecords, int maxBodyBytes, CancellationToken cancellationToken)
        {
            var batch = new List<int>();
            var bytes = 0;
            for (var i = 0; i < records.Count; i++)
            {
                if (batch.Count > 0 && (batch.Count == maxRecords || bytes + records[i].Length + 1 > maxBodyBytes))
                {
                    await SendBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = [];
                    bytes = 0;
                }

                batch.Add(i);
                bytes += records[i].Length + 1;
            }

            if (batch.Count > 0)
            {
                await SendBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            progress.Finish(Accepted, Rejected.Count);
        }

        private async Task SendBatchAsync(List<int> batch, CancellationToken cancellationToken)
        {
            var key = "spillway-send-" + Guid.NewGuid().ToString("N");
            while (batch.Count > 0)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
                {
                    Content = new ByteArrayContent(Ndjson(batch)),
                };
                request.Content.Headers.ContentType = new("application/x-ndjson");
                request.Headers.Add("Idempotency-Key", key);
                using var response = await client.SendRawAsync(request, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Accepted or HttpStatusCode.OK:
                        Accepted += batch.Count;
                        progress.Report(Accepted + Rejected.Count, Accepted, Rejected.Count);
                        return;
                    case HttpStatusCode.BadRequest:
                        var refused = RefusedRecords(body, batch);
                        if (refused.Count == 0)
                        {
                            // The answer names no record (the batch as a whole); find the bad ones one by one.
                            foreach (var index in batch)
                            {
                                await SendBatchAsync([index], cancellationToken).ConfigureAwait(false);
                            }

                            return;
                        }

                        foreach (var (index, reason) in refused)
                        {
                            Rejected[index] = reason;
                        }

                        progress.Report(Accepted + Rejected.Count, Accepted, Rejected.Count);
                        batch = [.. batch.Where(i => !refused.ContainsKey(i))];
                        key = "spillway-send-" + Guid.NewGuid().ToString("N"); // another body needs another key
                        break;
                    case HttpStatusCode.RequestEntityTooLarge when batch.Count > 1:
                        await SendBatchAsync(batch[..(batch.Count / 2)], cancellationToken).ConfigureAwait(false);
                        await SendBatchAsync(batch[(batch.Count / 2)..], cancellationToken).ConfigureAwait(false);
                        return;
                    case HttpStatusCode.RequestEntityTooLarge:
                        Rejected[batch[0]] = "larger than the route's MaxBodyBytes";
                        progress.Report(Accepted + Rejected.Count, Accepted, Rejected.Count);
                        return;
                    case HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests:
                        // Back-pressure: nothing was stored; the same key makes the retry safe.
                        var delay = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                        progress.Note("server busy, retrying");
                        await Task.Delay(delay < MaxRetryDelay ? delay : MaxRetryDelay, cancellationToken).ConfigureAwait(false);
                        break;
                    case HttpStatusCode.NotFound:
                        throw new CliException($"the server has no route at {path}");
                    default:
                        throw ServerClient.Failure(response, body);
                }
            }
        }

        private byte[] Ndjson(List<int> batch)
        {
            using var body = new MemoryStream();
            foreach (var index in batch)
            {
                body.Write(records[index]);
                body.WriteByte((byte)'\n');
            }

            return body.ToArray();
        }

        /// <summary>
        /// The records a 400 names, by input position: its errors are keyed <c>/&lt;position in batch&gt;/field</c>. A
        /// one-record batch is refused as a whole whatever the keys.
        /// </summary>
        private static Dictionary<int, string> RefusedRecords(string body, List<int> batch)
        {
            var refused = new Dictionary<int, string>();
            string? detail = null;
            try
            {
                using var problem = JsonDocument.Parse(body);
                detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
                if (problem.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                {
                    foreach (var error in errors.EnumerateObject())
                    {
                        var (position, field) = SplitPath(error.Name, batch.Count);
                        var message = string.Join("; ", error.Value.EnumerateArray().Select(m => m.GetString()));
                        if (position is { } p)
                        {
                            var reason = field is null ? message : $"{field}: {message}";
                            refused[batch[p]] = refused.TryGetValue(batch[p], out var earlier) ? $"{earlier}; {reason}" : reason;
                        }
                        else if (batch.Count == 1)
                        {
                            refused[batch[0]] = error.Name == "$" ? message : $"{error.Name}: {message}";
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not a problem document; handled below.
            }

            if (refused.Count == 0 && batch.Count == 1)
            {
                refused[batch[0]] = detail ?? body;
            }

            return refused;
        }

        private static (int? Position, string? Field) SplitPath(string path, int batchCount)
        {
            if (!path.StartsWith('/'))
            {
                return (null, null);
            }

            var slash = path.IndexOf('/', 1);
            var number = slash < 0 ? path[1..] : path[1..slash];
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var position) || position >= batchCount)
            {
                return (null, null);
            }

            var field = slash < 0
                ? null
                : path[(slash + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            return (position, field);
        }
    }
}
