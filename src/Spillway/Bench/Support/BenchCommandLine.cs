using System.CommandLine;
using System.Text.Json;

namespace Spillway.Bench.Support;

/// <summary>What the <c>spillway bench</c> baseline commands share: integer options with defaults, option validation
/// answered as exit code 2, and the JSON line the comparison scripts read.</summary>
internal static class BenchCommandLine
{
    public static Option<int> Int(string name, string description, int defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>Runs <paramref name="validate"/>; false, with its message on stderr, when it rejects the options.</summary>
    public static async Task<bool> TryValidateAsync(Action validate)
    {
        try
        {
            validate();
            return true;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>The middle value, or the mean of the two middle ones: what the benchmarks judge rounds by.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The figures as one JSON object on the last line; the scripts read <c>messagesPerSecond</c> from it.</summary>
    public static void WriteJson(Dictionary<string, double> figures) => Console.WriteLine(JsonSerializer.Serialize(figures));
}
