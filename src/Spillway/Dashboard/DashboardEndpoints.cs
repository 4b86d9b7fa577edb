using System.Reflection;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Hosting;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.Messaging.Topics;
using Spillway.Processing;
using Spillway.Sinks;

namespace Spillway.Dashboard;

/// <summary>
/// The operator's live view: <c>GET /v1/overview</c> (JSON, behind the API keys like every admin endpoint) and the
/// page at <c>GET /dashboard</c> that polls it. The page's files are embedded in the assembly, so it works with no
/// internet access; they hold no data, which is why they are served without a key: the page asks for the key and
/// sends it as <c>X-Api-Key</c> on its own requests.
/// </summary>
internal static class DashboardEndpoints
{
    private const string ResourcePrefix = "Spillway.Dashboard.Assets.";

    // Everything the page loads comes from this server; nothing inline, nothing framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints, OverviewSource source, GatewayOptions gateway)
    {
        var assets = LoadAssets();
        endpoints.MapGroup("/v1/overview").RequireApiKey(gateway).MapGet("/", async (CancellationToken cancellationToken) => TypedResults.Json(
            Read(source, await source.Objects.ListBucketsAsync(cancellationToken).ConfigureAwait(false)), OverviewJsonContext.Default.Overview));

        endpoints.MapGet("/dashboard", (HttpContext context) => Serve(context, assets, "index.html"));
        endpoints.MapGet("/dashboard/{file}", (HttpContext context, string file) => Serve(context, assets, file));
        return endpoints;
    }

    internal static Overview Read(OverviewSource source, IReadOnlyList<Objects.BucketInfo> buckets)
    {
        var now = source.Time.GetUtcNow();
        var queues = source.Engine.ListQueues();
        var sources = queues
            .Where(q => q.Definition.RedrivePolicy is not null)
            .ToLookup(q => q.Definition.RedrivePolicy!.DeadLetterQueue, q => q.Name, StringComparer.Ordinal);
        return new Overview(
            now,
            source.Routes,
            [.. queues.Select(q => Describe(q, now, [.. sources[q.Name]]))],
            [.. source.Workers.Values.OrderBy(w => w.Name, StringComparer.Ordinal).Select(WorkerAdminEndpoints.Describe)],
            [.. source.Sinks.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s =>
            {
                var pool = s.PoolStatistics;
                return new SinkView(s.Name, s.Provider, pool.MaxConnections, pool.InUse, pool.PeakInUse, pool.Waits);
            })],
            [.. source.Engine.Streams.List().Select(s => Describe(s, now))],
            [.. source.Engine.Topics.List().SelectMany(Describe)],
            [.. source.DeliveryStreams.List().Select(Describe)],
            [.. buckets.Select(b => new BucketView(b.Name, b.CreationDate))],
            [.. source.Aggregations.List().Select(a => new AggregationSummaryView(
                a.Name,
                a.Declaration.Definition.Source,
                a.Runner.LastError is null ? "running" : "retrying",
                a.Runner.Statistics.RecordsIn,
                a.Runner.Statistics.LateRecords,
                a.Runner.Statistics.OpenWindows,
                a.Runner.Statistics.Watermark,
                a.Results.Latest))]);
    }

    private static DeliveryStreamSummaryView Describe(DeliveryStreams.DeliveryStream stream)
    {
        var s = stream.Statistics;
        return new DeliveryStreamSummaryView(
            stream.Definition.Name,
            stream.Definition.Bucket,
            s.BufferedRecords,
            s.BufferedBytes,
            s.IncomingRecords,
            s.FilesWritten,
            s.BytesWritten,
            s.RecordsFailed,
            s.DeliveryFailures,
            s.LastDeliveryLatency?.TotalSeconds);
    }

    private static IEnumerable<TopicSubscriptionView> Describe(Topic topic)
    {
        var fifo = topic.Definition.IsFifo;
        if (topic.Subscriptions.Count == 0)
        {
            yield return new TopicSubscriptionView(topic.Name, fifo, null, null, false, null, 0, 0, 0);
        }

        foreach (var s in topic.Subscriptions)
        {
            var counts = topic.StatisticsOf(s.Id);
            yield return new TopicSubscriptionView(
                topic.Name, fifo, s.Protocol, s.Endpoint, s.Confirmed, s.FilterPolicy, counts.Delivered, counts.FilteredOut, counts.Failed);
        }
    }

    private static StreamSummaryView Describe(DataStream stream, DateTimeOffset now)
    {
        var shards = stream.Shards;
        double? oldest = stream.OldestRecordTimestamp is { } arrived ? Math.Max(0, (now - arrived).TotalSeconds) : null;
        return new StreamSummaryView(
            stream.Name,
            stream.Status.ToString(),
            shards.Count(s => s.IsOpen),
            shards.Count,
            (int)stream.Definition.Retention.TotalHours,
            stream.RecordsKept,
            oldest,
            stream.TotalRecords,
            stream.TotalBytes);
    }

    private static QueueView Describe(MessageQueue queue, DateTimeOffset now, IReadOnlyList<string> deadLetterSources)
    {
        var counts = queue.GetCounts();
        var activity = queue.GetActivity();
        double? oldest = counts.OldestSentTimestamp is { } sent ? Math.Max(0, (now - sent).TotalSeconds) : null;
        var redrive = queue.Definition.RedrivePolicy;
        return new QueueView(
            queue.Name,
            queue.Definition.FifoQueue,
            counts.Visible,
            counts.InFlight,
            counts.Delayed,
            oldest,
            redrive?.DeadLetterQueue,
            redrive?.MaxReceiveCount,
            deadLetterSources,
            activity.Sent,
            activity.Received,
            activity.Deleted,
            activity.DeadLettered);
    }

    private static IResult Serve(HttpContext context, Dictionary<string, byte[]> assets, string file)
    {
        if (!assets.TryGetValue(file, out var content))
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return TypedResults.Bytes(content, ContentTypes[Path.GetExtension(file)]);
    }

    private static Dictionary<string, byte[]> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name[ResourcePrefix.Length..]] = copy.ToArray();
        }

        return assets;
    }
}
