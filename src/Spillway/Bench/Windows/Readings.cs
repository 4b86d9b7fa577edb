using System.Globalization;
using System.Text;
using Spillway.Messaging.Streams;

namespace Spillway.Bench.Windows;

/// <summary>
/// The run's device readings, made once from a fixed seed: each as the stream record a device puts
/// (<c>{"device":"device-00042","ts":1764979200123,"temp":21.37}</c>, the event time in epoch milliseconds) and as the
/// columns PostgreSQL loads. Event times advance evenly over the span, each pulled back by up to
/// <see cref="JitterMs"/>, so the input is a little out of order but never later than the default out-of-orderness.
/// </summary>
internal sealed class Readings
{
    /// <summary>How far a reading's event time may lag its place in the input: under the default 5 s out-of-orderness.</summary>
    public const int JitterMs = 3_000;

    /// <summary>Midnight UTC, 6 December 2025: the first reading's event time.</summary>
    public const long StartMs = 1_764_979_200_000;

    private Readings(string[] devices, int[] device, long[] times, double[] temps, StreamRecord[] records)
    {
        DeviceNames = devices;
        Device = device;
        Times = times;
        Temps = temps;
        Records = records;
    }

    public string[] DeviceNames { get; }

    /// <summary>Per reading, its device's index in <see cref="DeviceNames"/>.</summary>
    public int[] Device { get; }

    /// <summary>Per reading, its event time in epoch milliseconds.</summary>
    public long[] Times { get; }

    public double[] Temps { get; }

    /// <summary>The readings as a shard holds them, in input order.</summary>
    public StreamRecord[] Records { get; }

    public int Count => Records.Length;

    public static Readings Generate(int count, int devices, TimeSpan span, int seed)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, devices).Select(d => string.Create(CultureInfo.InvariantCulture, $"device-{d:D5}")).ToArray();
        var device = new int[count];
        var times = new long[count];
        var temps = new double[count];
        var records = new StreamRecord[count];
        var arrival = DateTimeOffset.FromUnixTimeMilliseconds(StartMs);
        var step = span.TotalMilliseconds / count;
        var json = new StringBuilder(96);
        for (var i = 0; i < count; i++)
        {
            device[i] = random.Next(devices);
            times[i] = StartMs + (long)(i * step) - random.Next(JitterMs);

            // Two decimals, as a sensor reports them: the engine and PostgreSQL then read the same double from the same text.
            var temp = (20 + (random.NextDouble() * 10) + (random.Next(100) == 0 ? 30 : 0)).ToString("F2", CultureInfo.InvariantCulture);
            temps[i] = double.Parse(temp, CultureInfo.InvariantCulture);
            json.Clear().Append(CultureInfo.InvariantCulture, $"{{\"device\":\"{names[device[i]]}\",\"ts\":{times[i]},\"temp\":{temp}}}");
            records[i] = new StreamRecord(
                i.ToString(CultureInfo.InvariantCulture), arrival, names[device[i]], Encoding.UTF8.GetBytes(json.ToString()));
        }

        return new Readings(names, device, times, temps, records);
    }
}
