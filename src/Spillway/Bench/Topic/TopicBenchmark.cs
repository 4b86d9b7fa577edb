using System.Globalization;
using Spillway.Bench.Support;

namespace Spillway.Bench.Topic;

/// <summary>One contender's confirmed fan-out rate in one round.</summary>
internal sealed record TopicFigure(int Round, string Contender, int Messages, double Seconds)
{
    public double MessagesPerSecond => Messages / Seconds;
}

/// <summary>
/// Confirmed fan-out to filtered queues in the same run: the engine's topic against a RabbitMQ headers exchange over
/// quorum queues. Every round runs each contender once in an order that rotates; the verdict takes the median of the
/// rounds' ratios against issue 17's target (the engine at least 3× RabbitMQ).
/// </summary>
internal static class TopicBenchmark
{
    private const double Target = 3;

    public static async Task<IReadOnlyList<TopicFigure>> RunAsync(
        TopicBenchmarkOptions options, IReadOnlyList<TopicContender> contenders, TextWriter output, CancellationToken cancellationToken)
    {
        var body = new byte[options.MessageBytes];
        Array.Fill(body, (byte)'x');
        foreach (var contender in contenders)
        {
            // A whole run, untimed, for the JIT's optimised tiers and the broker's first segment files: with a shorter one
            // (2,000 publishes) the engine still gained a third from round to round up to the third round.
            await contender.RunAsync(body, options.Messages, cancellationToken).ConfigureAwait(false);
        }

        var figures = new List<TopicFigure>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            var line = new List<string>();
            for (var i = 0; i < contenders.Count; i++)
            {
                var contender = contenders[(i + round - 1) % contenders.Count];
                DiskSettle.Now();
                var seconds = await contender.RunAsync(body, options.Messages, cancellationToken).ConfigureAwait(false);
                var figure = new TopicFigure(round, contender.Name, options.Messages, seconds);
                figures.Add(figure);
                line.Add(string.Create(CultureInfo.InvariantCulture, $"{contender.Name} {figure.MessagesPerSecond:N0}/s"));
            }

            await output.WriteLineAsync($"round {round}: {string.Join("; ", line)}").ConfigureAwait(false);
        }

        return figures;
    }

    public static void Report(TextWriter output, TopicBenchmarkOptions options, IReadOnlyList<TopicFigure> figures, bool json)
    {
        var culture = CultureInfo.InvariantCulture;
        var summary = new Dictionary<string, double>();
        output.WriteLine(string.Format(
            culture, "medians of the rounds, publishes answered once durable for every matching queue ({0} queues, each taking half; RabbitMQ: every confirm):", options.Queues));
        foreach (var contender in figures.Select(f => f.Contender).Distinct())
        {
            var rate = BenchCommandLine.Median(figures.Where(f => f.Contender == contender).Select(f => f.MessagesPerSecond));
            output.WriteLine(string.Format(
                culture, "  {0,-18} {1,10:N0} publishes/s {2,12:N0} deliveries/s", contender, rate, rate * (options.Queues / 2)));
            summary[contender.Replace(' ', '_') + "_publishes_per_second"] = Math.Round(rate);
        }

        var ratios = figures.Where(f => f.Contender == "engine")
            .Join(figures.Where(f => f.Contender == "rabbitmq headers"), f => f.Round, f => f.Round, (o, t) => o.MessagesPerSecond / t.MessagesPerSecond)
            .ToList();
        if (ratios.Count > 0)
        {
            var median = BenchCommandLine.Median(ratios);
            output.WriteLine(string.Format(
                culture,
                "  engine / rabbitmq headers: {0:F2}x, rounds {1} ({2} the target of >= {3}x)",
                median,
                string.Join(", ", ratios.Select(r => r.ToString("F2", culture) + "x")),
                median >= Target ? "meets" : "misses",
                Target));
            summary["engine_vs_rabbitmq"] = Math.Round(median, 3);
        }

        if (json)
        {
            BenchCommandLine.WriteJson(summary);
        }
    }

}
