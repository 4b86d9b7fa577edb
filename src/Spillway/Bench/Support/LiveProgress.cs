using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Bench.Support;

/// <summary>
/// A benchmark's live progress: once a second, what the load generator has sent and the server's backlog and drain
/// (read from its <c>/v1/overview</c>, the dashboard's own source). On a terminal the line is redrawn in place;
/// into a file or a pipe a line is written every two seconds, so a log stays short; a last line when the phase ends.
/// </summary>
public sealed class LiveProgress : IAsyncDisposable
{
    private readonly TextWriter output;
    private readonly string phase;
    private readonly Func<string> sent;
    private readonly HttpClient http;
    private readonly bool inPlace;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private int lastWidth;
    private long? lastDeleted;
    private TimeSpan lastAt;

    public LiveProgress(TextWriter output, Uri server, string phase, Func<string> sent)
    {
        this.output = output;
        this.phase = phase;
        this.sent = sent;
        http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
        inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        loop = RunAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        await TickAsync(CancellationToken.None).ConfigureAwait(false); // where the phase ended
        if (inPlace)
        {
            output.WriteLine();
        }

        stop.Dispose();
        http.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(inPlace ? 1 : 2));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                await TickAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the phase is over.
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var (backlog, deleted) = await ReadQueuesAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.Elapsed;
        var drain = lastDeleted is { } before && deleted is { } after && now > lastAt
            ? (after - before) / (now - lastAt).TotalSeconds
            : (double?)null;
        (lastDeleted, lastAt) = (deleted, now);
        var backlogText = backlog is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "?";
        var drainText = drain is { } d ? string.Create(CultureInfo.InvariantCulture, $", draining {d:N0}/s") : "";
        var line = string.Create(
            CultureInfo.InvariantCulture, $"  [{phase} {now.TotalSeconds:F0}s] {sent()}, backlog {backlogText}{drainText}");
        if (inPlace)
        {
            output.Write("\r" + line.PadRight(lastWidth));
            lastWidth = line.Length;
        }
        else
        {
            output.WriteLine(line);
        }
    }

    private async Task<(long? Backlog, long? Deleted)> ReadQueuesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var json = await http.GetStringAsync(new Uri("/v1/overview", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            using var overview = JsonDocument.Parse(json);
            long backlog = 0, deleted = 0;
            foreach (var queue in overview.RootElement.GetProperty("queues").EnumerateArray())
            {
                if (queue.GetProperty("deadLetterSources").GetArrayLength() == 0)
                {
                    backlog += queue.GetProperty("visible").GetInt64() + queue.GetProperty("inFlight").GetInt64()
                        + queue.GetProperty("delayed").GetInt64();
                    deleted += queue.GetProperty("deleted").GetInt64();
                }
            }

            return (backlog, deleted);
        }
        catch (Exception e)
            when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, null); // a busy server answers late; the next tick tries again
        }
    }
}
