using System.Globalization;

namespace Spillway.Exports.Bench;

/// <summary>
/// Arguments: <c>--lua post.lua [database-url] [rows] [--spillway path/spillway.dll] [--connections N] [--think-ms N]
/// [--window-seconds N] [--set Key=Value]… [--busy-caps a,b,…]</c>; bench/export-ingest.sh passes wrk's script (bench/wrk-common.sh). The URL defaults to SPILLWAY_TEST_POSTGRES, rows to 1,000,000, the server to the Release
/// build of src/Spillway, wrk to 64 connections that each send as soon as the last answer came (<c>--think-ms</c>: wait
/// that long first, for a load below the machine's capacity), the ingest windows to 10 s; each <c>--set</c> goes to the server as
/// <c>--Key=Value</c> (e.g. <c>--set Spillway:Exports:MaxRowsPerSecond=500000</c>); <c>--busy-caps</c> repeats the
/// measurements on a fresh server for each <c>Spillway:Exports:BusyMaxRowsPerSecond</c> listed (0: no cap; "default":
/// not set, so <c>default,default,default</c> is three rounds of the defaults).
/// </summary>
internal sealed record BenchSettings(
    string DatabaseUrl, int Rows, string SpillwayDll, int Connections, int ThinkMilliseconds, int WindowSeconds, IReadOnlyList<string> ServerSettings, IReadOnlyList<long?> BusyCaps, string WrkScript)
{
    public static BenchSettings Parse(string[] args)
    {
        var positional = new List<string>();
        var sets = new List<string>();
        string? dll = null;
        string? lua = null;
        var connections = 64;
        var think = 0;
        var window = 10;
        var caps = new List<long?>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--lua":
                    lua = args[++i];
                    break;
                case "--spillway":
                    dll = args[++i];
                    break;
                case "--connections":
                    connections = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--think-ms":
                    think = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--window-seconds":
                    window = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--busy-caps":
                    caps.AddRange(args[++i].Split(',').Select(c => c == "default" ? null : (long?)long.Parse(c, CultureInfo.InvariantCulture)));
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
            ?? throw new InvalidOperationException("Pass a postgresql:// URL or set SPILLWAY_TEST_POSTGRES.");
        var rows = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 1_000_000;
        dll ??= Path.Combine(RepositoryRoot(), "src", "Spillway", "bin", "Release", "net10.0", "spillway.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build src/Spillway in Release first (bench/export-ingest.sh does).");
        }

        if (lua is null || !File.Exists(lua))
        {
            throw new InvalidOperationException("Pass --lua with wrk's request script (bench/export-ingest.sh does).");
        }

        return new BenchSettings(url, rows, dll, connections, think, window, sets, caps, lua);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spillway.slnx")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
