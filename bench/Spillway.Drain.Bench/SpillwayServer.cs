using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

using Spillway.Bench.Support;

namespace Spillway.Drain.Bench;

/// <summary>One burst's figures: when the last POST was answered and when the queue was empty, from the first POST.</summary>
internal sealed record BurstRun(double IngestSeconds, double DrainedSeconds, double ServerCpuSeconds);

/// <summary>
/// `spillway serve` as a child process with the seed pipeline's defaults (route POST /submit, queue submit, worker
/// into the users table), only the database URL given, driven over HTTP.
/// </summary>
internal sealed class SpillwayServer : IAsyncDisposable
{
    private const string Queue = "submit";

    private readonly ServerChild child;
    private readonly HttpClient http;

    private SpillwayServer(ServerChild child, int clients)
    {
        this.child = child;
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false })
        {
            BaseAddress = child.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    public static async Task<SpillwayServer> StartAsync(DrainSettings settings, string dll, string dataDirectory) => new(
        await ServerChild.StartAsync(
            dll, dataDirectory, ["--database", settings.DatabaseUrl, .. settings.ServerSettings.Select(s => "--" + s)], "readyz"),
        settings.Clients);

    /// <summary>
    /// POSTs every body from <paramref name="clients"/> concurrent clients, then waits until the queue holds nothing
    /// (no message visible, in flight or delayed). The worker deletes a message only after its row committed, so an
    /// empty queue means the last row is in the table.
    /// </summary>
    public async Task<BurstRun> SendAndDrainAsync(IReadOnlyList<byte[]> bodies, int clients)
    {
        var cpu = CpuSeconds();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var content = new ByteArrayContent(bodies[index]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await http.PostAsync("submit", content);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException(
                        $"POST /submit answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })));
        var ingest = clock.Elapsed.TotalSeconds;
        while (await WaitingAsync(Queue) > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("The queue did not drain within 10 minutes.");
            }

            await Task.Delay(5);
        }

        var drained = clock.Elapsed.TotalSeconds;
        return new BurstRun(ingest, drained, CpuSeconds() - cpu);
    }

    /// <summary>Messages in a queue: visible, in flight and delayed.</summary>
    public async Task<long> WaitingAsync(string queue)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("v1/queues"));
        foreach (var entry in document.RootElement.GetProperty("queues").EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() == queue)
            {
                return entry.GetProperty("visible").GetInt64() + entry.GetProperty("inFlight").GetInt64()
                    + entry.GetProperty("delayed").GetInt64();
            }
        }

        throw new InvalidOperationException($"The server has no queue '{queue}'.");
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await child.DisposeAsync();
    }

    // User and system time of the server process, from /proc (0 where there is none): what a drain costs Spillway.
    private double CpuSeconds()
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{child.Process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
