using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Spillway.Gateway;

/// <summary>
/// The ingest routes' instruments, on the meter <see cref="MeterName"/>: every request by route and status, and the
/// time to a 2xx (the records durable). One per host; a host that lists its meters through an
/// <see cref="IMeterFactory"/> sees them apart from another host's in the same process.
/// </summary>
public sealed class IngestMetrics : IDisposable
{
    public const string MeterName = "Spillway.Gateway";

    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Counter<long> requests;
    private readonly Histogram<double> acceptDuration;

    /// <param name="meterFactory">Where the meter comes from; null makes one of its own.</param>
    public IngestMetrics(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        requests = meter.CreateCounter<long>("spillway.ingest.requests", "{request}", "Ingest requests answered, by route and HTTP status.");
        acceptDuration = meter.CreateHistogram(
            "spillway.ingest.accept.duration", "s", "Time from request to a 2xx answer (records durable), by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    /// <summary>The route's handler, counting each request by its status and timing the accepted ones.</summary>
    internal RequestDelegate Measure(string route, RequestDelegate handle)
    {
        var routeTag = new KeyValuePair<string, object?>("route", route);
        return async context =>
        {
            var started = Stopwatch.GetTimestamp();
            var status = StatusCodes.Status500InternalServerError;
            try
            {
                await handle(context).ConfigureAwait(false);
                status = context.Response.StatusCode;
            }
            finally
            {
                requests.Add(1, routeTag, new("status", StatusText(status)));
                if (status is >= 200 and < 300)
                {
                    acceptDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, routeTag);
                }
            }
        };
    }

    private static string StatusText(int status) => status switch
    {
        200 => "200",
        202 => "202",
        400 => "400",
        401 => "401",
        413 => "413",
        415 => "415",
        503 => "503",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };
}
