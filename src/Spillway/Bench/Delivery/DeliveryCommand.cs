using System.CommandLine;
using System.Globalization;
using System.Text;
using Spillway.Bench.Support;
using static Spillway.Bench.Support.BenchCommandLine;

namespace Spillway.Bench.Delivery;

/// <summary>
/// <c>spillway bench delivery</c>: 1 KiB JSON records into delivery-stream files, uncompressed against sequential writes
/// with one fdatasync of the same bytes, gzip against <c>gzip -1</c> of the same bytes with an fsync, in the same run
/// (<c>bench/delivery.sh</c>). Rounds run every contender once in a rotating order; the verdicts take the median of the
/// rounds' ratios against issue 18's targets (0.5x fdatasync uncompressed, 0.7x gzip -1 compressed).
/// </summary>
internal static class DeliveryCommand
{
    private const int RecordLength = 1023;

    // The records of a run are one array of 1 KiB each: at most this many fit.
    private const int MaxRecords = 2_000_000;

    public static Command Create()
    {
        // About 2 GB a run, the size the disk's sequential bandwidth is measured with (`dd bs=1M count=2000
        // conv=fdatasync`): a run of 100 MB ends inside the bursts a virtual disk absorbs at memory speed.
        var records = Int("--records", "1 KiB records per run (at most 2,000,000).", MaxRecords);
        var producers = Int("--producers", "Concurrent producers, one batch in flight each.", 4);
        var batch = Int("--batch", "Records per put (PutRecordBatch takes at most 500).", 500);
        var rounds = Int("--rounds", "Rounds, each contender once per round, in rotating order.", 3);
        var api = new Option<bool>("--api") { Description = "Also measure the Firehose API of a `spillway serve` on a free loopback port." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where everything writes (default: a temp dir)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON object of the medians and ratios as the last line." };
        var command = new Command("delivery", "Delivery-stream files (engine, Firehose API) against fdatasync and gzip -1 of the same bytes.")
        {
            records, producers, batch, rounds, api, dataDir, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (count, perPut, runs) = (result.GetValue(records), result.GetValue(batch), result.GetValue(rounds));
            if (count is < 1 or > MaxRecords || perPut is < 1 or > 500 || runs < 1 || result.GetValue(producers) < 1)
            {
                await Console.Error.WriteLineAsync(
                    "--records must be 1 to 2,000,000, --producers and --rounds positive, --batch 1 to 500").ConfigureAwait(false);
                return 2;
            }

            var directory = result.GetValue(dataDir) is { } parent
                ? Directory.CreateDirectory(Path.Combine(parent, "bench-delivery-" + Guid.NewGuid().ToString("N")))
                : Directory.CreateTempSubdirectory("spillway-bench-delivery-");
            var contenders = new List<DeliveryContender>();
            try
            {
                var input = Records(count);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"delivery: {count:N0} JSON records of 1 KiB ({input.Length / 1048576.0:F0} MiB) per run, PutRecordBatch of {perPut} " +
                    $"from {result.GetValue(producers)} producers, Firehose's default hints (5 MiB, 300 s) and a flush at the end; {runs} round(s)"));
                foreach (var gzip in new[] { false, true })
                {
                    contenders.Add(EngineDelivery.Open(Directory.CreateDirectory(Path.Combine(directory.FullName, gzip ? "engine-gzip" : "engine")).FullName,
                        gzip, result.GetValue(producers), perPut));
                    if (result.GetValue(api))
                    {
                        contenders.Add(await ApiDelivery.StartAsync(
                            Directory.CreateDirectory(Path.Combine(directory.FullName, gzip ? "api-gzip" : "api")).FullName,
                            gzip, result.GetValue(producers), perPut, cancellationToken).ConfigureAwait(false));
                    }
                }

                contenders.Add(new FdatasyncDelivery(directory.FullName));
                contenders.Add(new GzipDelivery(directory.FullName));
                await RunAsync(contenders, input, runs, result.GetValue(json), cancellationToken).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                foreach (var contender in contenders)
                {
                    await contender.DisposeAsync().ConfigureAwait(false);
                }

                directory.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task RunAsync(List<DeliveryContender> contenders, byte[] input, int rounds, bool json, CancellationToken cancellationToken)
    {
        var seconds = contenders.ToDictionary(c => c.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            // A rotating order, so no contender always runs first on a cold disk or last on a hot one.
            for (var i = 0; i < contenders.Count; i++)
            {
                var contender = contenders[(i + round) % contenders.Count];
                DiskSettle.Now();
                var elapsed = await contender.RunAsync(input, RecordLength, cancellationToken).ConfigureAwait(false);
                seconds[contender.Name].Add(elapsed);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}: {contender.Name,-12} {elapsed,7:F2} s  {input.Length / 1048576.0 / elapsed,8:F1} MiB/s"));
            }
        }

        var figures = new Dictionary<string, double>();
        Console.WriteLine();
        foreach (var contender in contenders)
        {
            var median = Median(seconds[contender.Name]);
            figures[contender.Name + " MiB/s"] = Math.Round(input.Length / 1048576.0 / median, 1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{contender.Name,-12} median {input.Length / 1048576.0 / median,8:F1} MiB/s of records"));
        }

        foreach (var contender in contenders.Where(c => c is EngineDelivery or ApiDelivery))
        {
            var baseline = contender.Compressed ? "gzip -1" : "fdatasync";
            var target = contender.Compressed ? 0.7 : 0.5;

            // The ratio of each round against the baseline of the same round, then the median of those.
            var ratio = Median([.. seconds[contender.Name].Zip(seconds[baseline], (mine, theirs) => theirs / mine)]);
            figures[$"{contender.Name} / {baseline}"] = Math.Round(ratio, 3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{contender.Name,-12} {ratio,6:F2}x {baseline} (target {target}x): {(ratio >= target ? "met" : "MISSED")}"));
        }

        if (json)
        {
            WriteJson(figures);
        }

        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
    }


    /// <summary>The run's records, each followed by a newline: JSON readings of 1 KiB whose text varies as a device's
    /// readings do, so gzip finds what it finds in real files (neither all zeros nor noise).</summary>
    private static byte[] Records(int count)
    {
        var random = new Random(18);
        var words = new[] { "ok", "warn", "idle", "busy", "north", "south", "line-1", "line-2", "valve", "pump", "motor", "sensor" };
        var output = new byte[count * (RecordLength + 1)];
        var text = new StringBuilder(RecordLength + 64);
        for (var i = 0; i < count; i++)
        {
            text.Clear();
            text.Append(CultureInfo.InvariantCulture, $"{{\"device\":\"device-{i % 1000:D4}\",\"seq\":{i},\"t\":{1764979200000L + (i * 37L)},");
            text.Append(CultureInfo.InvariantCulture, $"\"temperature\":{20 + (random.NextDouble() * 10):F3},\"notes\":\"");
            while (text.Length < RecordLength - 2)
            {
                text.Append(words[random.Next(words.Length)]).Append(' ');
                text.Append(random.Next(100_000).ToString(CultureInfo.InvariantCulture)).Append(' ');
            }

            text.Length = RecordLength - 2;
            text.Append("\"}");
            Encoding.ASCII.GetBytes(text.ToString(), output.AsSpan(i * (RecordLength + 1), RecordLength));
            output[(i * (RecordLength + 1)) + RecordLength] = (byte)'\n';
        }

        return output;
    }
}
