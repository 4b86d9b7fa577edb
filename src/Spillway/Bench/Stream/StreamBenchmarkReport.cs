using System.Globalization;
using Spillway.Bench.Support;

namespace Spillway.Bench.Stream;

/// <summary>
/// The medians and the ratios issue 16 sets targets for, each ratio taken round by round (both sides measured in the same
/// round) and then its median: the engine's put + read at least 5× the RabbitMQ stream's publish + consume, at least 0.5×
/// the disk's fdatasync bandwidth with 4 KiB records, and the Kinesis API at least 1× the RabbitMQ stream.
/// </summary>
internal static class StreamBenchmarkReport
{
    private const string Engine = "engine";
    private const string RabbitMq = "rabbitmq stream";
    private const string Kinesis = "kinesis api";
    private const string Fdatasync = "fdatasync";

    public static void Write(TextWriter output, IReadOnlyList<StreamFigure> figures, bool json)
    {
        var culture = CultureInfo.InvariantCulture;
        var summary = new Dictionary<string, double>();
        output.WriteLine("medians of the rounds, put + read concurrent (fdatasync: the same bytes written, one fdatasync):");
        foreach (var size in figures.Select(f => f.RecordBytes).Distinct().Order())
        {
            var ofSize = figures.Where(f => f.RecordBytes == size).ToList();
            var key = size >= 1024 ? "4k" : "100";
            foreach (var contender in ofSize.Select(f => f.Contender).Distinct())
            {
                var rate = BenchCommandLine.Median(ofSize.Where(f => f.Contender == contender).Select(f => f.RecordsPerSecond));
                var bandwidth = BenchCommandLine.Median(ofSize.Where(f => f.Contender == contender).Select(f => f.MegabytesPerSecond));
                output.WriteLine(string.Format(
                    culture, "  {0,-6} {1,-16} {2,12:N0} records/s {3,9:N1} MiB/s", StreamBenchmark.Size(size), contender, rate, bandwidth));
                summary[$"{Camel(contender)}{key}RecordsPerSecond"] = Math.Round(rate);
            }

            Ratio(output, summary, ofSize, size, Engine, RabbitMq, 5, $"engine{key}VsRabbitMq", f => f.RecordsPerSecond);
            Ratio(output, summary, ofSize, size, Kinesis, RabbitMq, 1, $"kinesis{key}VsRabbitMq", f => f.RecordsPerSecond);
            Ratio(output, summary, ofSize, size, Engine, Fdatasync, size >= 1024 ? 0.5 : null, $"engine{key}VsFdatasync", f => f.MegabytesPerSecond);
        }

        if (json)
        {
            BenchCommandLine.WriteJson(summary);
        }
    }

    /// <summary>The median over the rounds of <paramref name="ours"/> ÷ <paramref name="theirs"/>, when both ran.</summary>
    private static void Ratio(
        TextWriter output,
        Dictionary<string, double> summary,
        List<StreamFigure> figures,
        int size,
        string ours,
        string theirs,
        double? target,
        string key,
        Func<StreamFigure, double> measure)
    {
        var ratios = figures.Where(f => f.Contender == ours)
            .Join(figures.Where(f => f.Contender == theirs), f => f.Round, f => f.Round, (o, t) => measure(o) / measure(t))
            .ToList();
        if (ratios.Count == 0)
        {
            return;
        }

        var median = BenchCommandLine.Median(ratios);
        var verdict = target is { } t ? string.Format(CultureInfo.InvariantCulture, " ({0} the target of >= {1}x)", median >= t ? "meets" : "misses", t) : "";
        output.WriteLine(string.Format(
            CultureInfo.InvariantCulture,
            "  {0,-6} {1} / {2}: {3:F2}x, rounds {4}{5}",
            StreamBenchmark.Size(size),
            ours,
            theirs,
            median,
            string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture) + "x")),
            verdict));
        summary[key] = Math.Round(median, 3);
    }


    private static string Camel(string name)
    {
        var words = name.Split(' ');
        return words[0] + string.Concat(words.Skip(1).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }
}
