using System.Globalization;
using System.Text;

namespace Spillway.Aggregations.Tests;

/// <summary>A device reading as a record carries it; the event time as ISO-8601 text or as epoch milliseconds.</summary>
internal sealed record Reading(string Device, long Time, double Temp, string User)
{
    public byte[] Json(bool isoTime)
    {
        var temp = Temp.ToString(CultureInfo.InvariantCulture);
        var time = isoTime ? $"\"{DateTimeOffset.FromUnixTimeMilliseconds(Time).UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\"" : Time.ToString(CultureInfo.InvariantCulture);
        var extra = isoTime ? "" : ",\"extra\":{\"a\":[1,{\"ts\":0}]}";
        return Encoding.UTF8.GetBytes($"{{\"device\":\"{Device}\",\"ts\":{time},\"temp\":{temp},\"user\":\"{User}\"{extra}}}");
    }

    public static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Readings in arrival order: time moves forward with jitter of up to <paramref name="jitterMs"/> back, and
    /// devices pause now and then so sessions split.</summary>
    public static List<Reading> Generate(int count, int devices, int seed, int jitterMs = 3_000, int stepMs = 700)
    {
        var random = new Random(seed);
        var list = new List<Reading>(count);
        var clock = Start.ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            clock += random.Next(stepMs);
            if (random.Next(200) == 0)
            {
                clock += 45_000;
            }

            var device = "d" + random.Next(devices);
            var time = clock - random.Next(jitterMs);
            var temp = Math.Round(10 + (random.NextDouble() * 30), 2);
            list.Add(new Reading(device, time, temp, "u" + random.Next(40)));
        }

        return list;
    }
}
