using System.Globalization;
using Spillway.Bench.Support;

namespace Spillway.Bench.Stream;

/// <summary>One contender's put + read rate for one record size in one round.</summary>
internal sealed record StreamFigure(int Round, int RecordBytes, string Contender, int Records, double Seconds)
{
    public double RecordsPerSecond => Records / Seconds;

    public double MegabytesPerSecond => (double)Records * RecordBytes / Seconds / (1024 * 1024);
}

/// <summary>
/// Durable puts read back, in the same run and on the same disk: the engine in process, its Kinesis API over HTTP, a
/// RabbitMQ stream queue, and sequential writes with fdatasync of the same bytes. Every round runs each contender once per
/// record size in an order that rotates, so no contender always lands in the same spell of a shared machine; the verdicts
/// take the median of the rounds' ratios.
/// </summary>
internal static class StreamBenchmark
{
    public const int SmallBytes = 100;
    public const int LargeBytes = 4096;

    // Enough for the JIT's optimised tier and the broker's first segment files, and short beside a measured run.
    private const int WarmUpBytes = 8 * 1024 * 1024;

    public static async Task<IReadOnlyList<StreamFigure>> RunAsync(
        StreamBenchmarkOptions options, IReadOnlyList<StreamContender> contenders, TextWriter output, CancellationToken cancellationToken)
    {
        (int Bytes, int Records)[] sizes = [(SmallBytes, options.SmallRecords), (LargeBytes, options.LargeRecords)];
        foreach (var contender in contenders)
        {
            foreach (var (bytes, records) in sizes)
            {
                await contender.RunAsync(Body(bytes), Math.Min(records, WarmUpBytes / bytes), cancellationToken).ConfigureAwait(false);
            }
        }

        var figures = new List<StreamFigure>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var (bytes, records) in round % 2 == 1 ? sizes : sizes.Reverse())
            {
                var line = new List<string>();
                for (var i = 0; i < contenders.Count; i++)
                {
                    var contender = contenders[(i + round - 1) % contenders.Count];
                    DiskSettle.Now();
                    var seconds = await contender.RunAsync(Body(bytes), records, cancellationToken).ConfigureAwait(false);
                    var figure = new StreamFigure(round, bytes, contender.Name, records, seconds);
                    figures.Add(figure);
                    line.Add(string.Create(
                        CultureInfo.InvariantCulture, $"{contender.Name} {figure.RecordsPerSecond:N0}/s ({figure.MegabytesPerSecond:N1} MiB/s)"));
                }

                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture, $"round {round}, {Size(bytes)}: {string.Join("; ", line)}")).ConfigureAwait(false);
            }
        }

        return figures;
    }

    public static string Size(int bytes) => bytes >= 1024 ? $"{bytes / 1024} KiB" : $"{bytes} B";

    private static byte[] Body(int bytes)
    {
        var body = new byte[bytes];
        Array.Fill(body, (byte)'x');
        return body;
    }
}
