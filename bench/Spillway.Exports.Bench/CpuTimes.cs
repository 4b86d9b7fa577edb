using System.Globalization;

namespace Spillway.Exports.Bench;

/// <summary>
/// The machine's CPU time from the first line of /proc/stat (all cores, in clock ticks): how much of a window the
/// cores were idle or waiting on the disk, which tells whether ingest alone already saturates them.
/// </summary>
internal readonly record struct CpuTimes(long Total, long Idle, long IoWait)
{
    public static CpuTimes Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return default;
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

    /// <summary>Idle and I/O-wait shares of the time between <paramref name="start"/> and this sample (0–1 each).</summary>
    public (double Idle, double IoWait) Since(CpuTimes start)
    {
        var total = Total - start.Total;
        return total <= 0 ? (0, 0) : ((double)(Idle - start.Idle) / total, (double)(IoWait - start.IoWait) / total);
    }
}
