using System.Globalization;

namespace Spillway.Drain.Bench;

/// <summary>
/// Arguments: <c>--spillway [label=]path/spillway.dll… [database-url] [--records N] [--rounds N] [--clients N]
/// [--per-request N] [--warmup N] [--set Key=Value]…</c>. Several <c>--spillway</c> builds (say, before and after a
/// change) are each measured in every round, against the same baseline. The URL (postgresql://, mysql:// or
/// sqlite:///path, whose baseline is the sqlite3 shell's CSV import) defaults to
/// SPILLWAY_TEST_POSTGRES; 200,000 records per round, 5 rounds, 8 clients posting NDJSON bodies of 1,000 records (the
/// seed route's MaxRecordsPerRequest), 50,000 warm-up records. Each <c>--set</c> goes to the server as
/// <c>--Key=Value</c>, to compare a setting against the defaults; without one the server runs the defaults.
/// </summary>
internal sealed record DrainSettings(
    string DatabaseUrl, IReadOnlyList<(string Label, string Dll)> Builds, int Records, int Rounds, int Clients, int PerRequest, int Warmup,
    IReadOnlyList<string> ServerSettings)
{
    public static DrainSettings Parse(string[] args)
    {
        var positional = new List<string>();
        var sets = new List<string>();
        var builds = new List<(string, string)>();
        int records = 200_000, rounds = 5, clients = 8, perRequest = 1_000, warmup = 50_000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--spillway":
                    var build = args[++i];
                    var equals = build.IndexOf('=', StringComparison.Ordinal);
                    builds.Add(equals > 0 ? (build[..equals], build[(equals + 1)..]) : ("Spillway", build));
                    break;
                case "--records":
                    records = Positive(args[++i]);
                    break;
                case "--rounds":
                    rounds = Positive(args[++i]);
                    break;
                case "--clients":
                    clients = Positive(args[++i]);
                    break;
                case "--per-request":
                    perRequest = Positive(args[++i]);
                    break;
                case "--warmup":
                    warmup = Positive(args[++i]);
                    break;
                case "--set":
                    sets.Add(args[++i]);
                    break;
                default:
                    positional.Add(args[i]);
                    break;
            }
        }

        var url = positional.Count > 0 ? positional[0] : Environment.GetEnvironmentVariable("SPILLWAY_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Pass a postgresql:// or mysql:// URL, or set SPILLWAY_TEST_POSTGRES.");
        return new DrainSettings(
            url, builds.Count > 0 ? builds : throw new InvalidOperationException("Pass --spillway path/to/spillway.dll (bench/drain.sh does)."),
            records, rounds, clients, perRequest, warmup, sets);
    }

    private static int Positive(string text)
    {
        var value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value > 0 ? value : throw new ArgumentException($"{text} must be more than zero.");
    }
}
