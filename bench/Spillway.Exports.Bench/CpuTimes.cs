using System.Globalization;

namespace Spillway.Exports.Bench;

/// <summary>
/// The machine's CPU time from the first line of /proc/stat (all cores, in clock ticks): how much of a window the
/// cores were idle or waiting on the disk, which tells whether ingest alone already saturates them.
/// </summary>
internal readonly record struct CpuTimes(long Total, long Idle, long IoWait)
{
    /// <summary>The sample, or null where there is no /proc/stat (the window then prints no CPU shares).</summary>
    public static CpuTimes? Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long total = 0;
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            total += long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return new CpuTimes(total, long.Parse(fields[4], CultureInfo.InvariantCulture), long.Parse(fields[5], CultureInfo.InvariantCulture));
    }

    /// <summary>The idle and I/O-wait shares of the time between <paramref name="start"/> and this sample.</summary>
    public string Since(CpuTimes start)
    {
        var total = Math.Max(1, Total - start.Total);
        return string.Create(
            CultureInfo.InvariantCulture, $"CPU idle {(double)(Idle - start.Idle) / total:P0}, I/O wait {(double)(IoWait - start.IoWait) / total:P0}");
    }
}
