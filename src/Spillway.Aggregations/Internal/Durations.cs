using System.Globalization;

namespace Spillway.Aggregations.Internal;

/// <summary>Durations as declarations write them: "500ms", "30s", "1m", "2h", "1d", or .NET's "hh:mm:ss".</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text, string what)
    {
        var s = text.Trim();
        var units = new (string Suffix, long Ticks)[]
        {
            ("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute),
            ("h", TimeSpan.TicksPerHour), ("d", TimeSpan.TicksPerDay),
        };
        foreach (var (suffix, ticks) in units)
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && long.TryParse(s.AsSpan(0, s.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && n <= TimeSpan.MaxValue.Ticks / ticks)
            {
                return TimeSpan.FromTicks(n * ticks);
            }
        }

        if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new ArgumentException($"{what}: '{text}' is not a duration (write e.g. \"500ms\", \"30s\", \"1m\", \"2h\", \"1d\").");
    }

    /// <summary>The largest whole unit that states the duration exactly.</summary>
    public static string Format(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return value.ToString("c", CultureInfo.InvariantCulture);
        }

        return ticks == 0 ? "0s"
            : ticks % TimeSpan.TicksPerDay == 0 ? $"{ticks / TimeSpan.TicksPerDay}d"
            : ticks % TimeSpan.TicksPerHour == 0 ? $"{ticks / TimeSpan.TicksPerHour}h"
            : ticks % TimeSpan.TicksPerMinute == 0 ? $"{ticks / TimeSpan.TicksPerMinute}m"
            : ticks % TimeSpan.TicksPerSecond == 0 ? $"{ticks / TimeSpan.TicksPerSecond}s"
            : $"{ticks / TimeSpan.TicksPerMillisecond}ms";
    }
}
