using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Spillway.Operations.Internal;

/// <summary>
/// Listens to the Spillway meters of one <see cref="IMeterFactory"/> (each library's: the engine's, the workers', the
/// sinks', the gateway's, the host's own) and renders what they measured in the Prometheus text exposition format (0.0.4):
/// counters as <c>_total</c>, histograms as cumulative <c>_bucket{le=…}</c> with <c>_sum</c> and <c>_count</c>, and
/// observable instruments read at scrape time. Names follow OpenTelemetry's Prometheus mapping (dots become
/// underscores, the unit becomes a suffix), so the same instrument reads alike over OTLP and here.
/// </summary>
/// <remarks>Spillway's own because OpenTelemetry's Prometheus exporter is still a beta release; this one is one listener
/// and the text format, with OpenTelemetry's name mapping, so its names match the OTLP export's.</remarks>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener listener = new();
    private readonly Lock scrapeGate = new();
    private readonly List<Family> families = [];

    /// <param name="meters">The host's factory: meters it made are listened to when their name starts with
    /// "Spillway"; another host's in the same process, made by another factory, are not.</param>
    public PrometheusExporter(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (!ReferenceEquals(instrument.Meter.Scope, meters) || !instrument.Meter.Name.StartsWith("Spillway", StringComparison.Ordinal))
            {
                return;
            }

            var family = new Family(instrument);
            lock (scrapeGate)
            {
                families.Add(family);
            }

            l.EnableMeasurementEvents(instrument, family);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every family.</summary>
    public string Scrape()
    {
        lock (scrapeGate)
        {
            foreach (var family in families)
            {
                family.BeginObservation();
            }

            listener.RecordObservableInstruments();
            var text = new StringBuilder(4096);
            foreach (var family in families.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                family.WriteTo(text);
            }

            return text.ToString();
        }
    }

    public void Dispose() => listener.Dispose();

    /// <summary>The Prometheus name of an instrument: OpenTelemetry's mapping (unit suffix, then _total for counters).</summary>
    internal static string PrometheusName(string name, string? unit, bool monotonic)
    {
        var text = new StringBuilder(name.Length + 16);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        var suffix = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            _ => null,
        };
        if (suffix is not null && !text.ToString().EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            text.Append('_').Append(suffix);
        }

        if (monotonic)
        {
            text.Append("_total");
        }

        return text.ToString();
    }

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string LabelName(string key)
    {
        var text = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }

        return text.ToString();
    }

    // The label part without braces, labels sorted by name so one label set is always one series.
    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(LabelName(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(key).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }

        return text.ToString();
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private sealed class Family
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, Series> series = new(StringComparer.Ordinal);

        // The series of each tag set seen, so a measurement finds its series without formatting its labels again.
        private readonly Dictionary<TagSet, Series> byTags = [];
        private readonly Kind kind;
        private readonly bool observable;
        private readonly bool cumulative;
        private readonly double[] buckets;
        private readonly string? help;

        public Family(Instrument instrument)
        {
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            observable = instrument.IsObservable;
            (kind, cumulative) = generic switch
            {
                _ when generic == typeof(Counter<>) => (Kind.Counter, true),
                _ when generic == typeof(ObservableCounter<>) => (Kind.Counter, false),
                _ when generic == typeof(UpDownCounter<>) => (Kind.Gauge, true),
                _ when generic == typeof(Histogram<>) => (Kind.Histogram, true),
                _ => (Kind.Gauge, false),
            };
            buckets = (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries?.ToArray()
                ?? (instrument as Histogram<long>)?.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray()
                ?? DefaultBuckets;
            Name = PrometheusName(instrument.Name, instrument.Unit, kind == Kind.Counter);
            help = instrument.Description;
        }

        public string Name { get; }

        public void BeginObservation()
        {
            if (observable)
            {
                // A queue or sink that went away must not linger with its last value.
                lock (gate)
                {
                    series.Clear();
                    byTags.Clear();
                }
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (gate)
            {
                var s = Find(tags);
                if (kind == Kind.Histogram)
                {
                    var index = Array.BinarySearch(buckets, value);
                    // Bucket i holds values in (buckets[i-1], buckets[i]]; an exact hit belongs to its own bound.
                    s.Buckets![index >= 0 ? index : ~index]++;
                    s.Sum += value;
                    s.Count++;
                }
                else if (cumulative)
                {
                    s.Value += value;
                }
                else
                {
                    s.Value = value;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            lock (gate)
            {
                if (!string.IsNullOrEmpty(help))
                {
                    text.Append("# HELP ").Append(Name).Append(' ').Append(EscapeHelp(help)).Append('\n');
                }

                text.Append("# TYPE ").Append(Name).Append(' ').Append(kind switch
                {
                    Kind.Counter => "counter",
                    Kind.Histogram => "histogram",
                    _ => "gauge",
                }).Append('\n');
                foreach (var (labels, s) in series.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (kind != Kind.Histogram)
                    {
                        Line(text, Name, labels, null, s.Value);
                        continue;
                    }

                    long running = 0;
                    for (var i = 0; i <= buckets.Length; i++)
                    {
                        running += s.Buckets![i];
                        var le = i < buckets.Length ? FormatValue(buckets[i]) : "+Inf";
                        Line(text, Name + "_bucket", labels, le, running);
                    }

                    Line(text, Name + "_sum", labels, null, s.Sum);
                    Line(text, Name + "_count", labels, null, s.Count);
                }
            }
        }

        // Under the gate. Tags in another order or of equal values land on the same series, as they format alike.
        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (!TagSet.TryCreate(tags, out var key))
            {
                return SeriesOf(Labels(tags));
            }

            if (!byTags.TryGetValue(key, out var s))
            {
                s = SeriesOf(Labels(tags));
                byTags[key] = s;
            }

            return s;
        }

        private Series SeriesOf(string labels)
        {
            if (!series.TryGetValue(labels, out var s))
            {
                s = new Series(kind == Kind.Histogram ? new long[buckets.Length + 1] : null);
                series[labels] = s;
            }

            return s;
        }

        private static void Line(StringBuilder text, string name, string labels, string? le, double value)
        {
            text.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                text.Append('{').Append(labels);
                if (le is not null)
                {
                    text.Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
                }

                text.Append('}');
            }

            text.Append(' ').Append(FormatValue(value)).Append('\n');
        }
    }

    /// <summary>Up to three tags as a dictionary key; Spillway's instruments carry at most two.</summary>
    private readonly record struct TagSet(
        int Count, string? Key0, object? Value0, string? Key1, object? Value1, string? Key2, object? Value2)
    {
        public static bool TryCreate(ReadOnlySpan<KeyValuePair<string, object?>> tags, out TagSet set)
        {
            set = tags.Length switch
            {
                0 => new(0, null, null, null, null, null, null),
                1 => new(1, tags[0].Key, tags[0].Value, null, null, null, null),
                2 => new(2, tags[0].Key, tags[0].Value, tags[1].Key, tags[1].Value, null, null),
                3 => new(3, tags[0].Key, tags[0].Value, tags[1].Key, tags[1].Value, tags[2].Key, tags[2].Value),
                _ => default,
            };
            return tags.Length <= 3;
        }
    }

    private sealed class Series(long[]? buckets)
    {
        public long[]? Buckets { get; } = buckets;

        public double Value { get; set; }

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
