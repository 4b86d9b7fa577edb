using System.Globalization;
using System.Text.Json;

namespace Spillway.Bench.Queue;

/// <summary>Prints a <see cref="QueueBenchmarkResult"/>: one line per figure, and with <c>--json</c> a JSON object last.</summary>
public static class QueueBenchmarkReport
{
    /// <summary>The targets with a backlog (issues 3 and 15), printed beside the figures.</summary>
    private const double TargetRatio = 0.8;
    private const double TargetResidentMegabytes = 200;
    private const double TargetReopenSeconds = 3;

    public static void Write(TextWriter output, QueueBenchmarkResult figures, bool json)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(figures);
        var culture = CultureInfo.InvariantCulture;
        var residentMegabytes = figures.ResidentBytesWithBacklog / (1024.0 * 1024.0);
        var reopenedMegabytes = figures.ResidentBytesAfterReopen / (1024.0 * 1024.0);
        output.WriteLine(string.Format(
            culture, "messages/s (send + receive + delete, concurrent, empty queue): {0:N0}", figures.MessagesPerSecond));
        output.WriteLine(string.Format(
            culture, "send-only messages/s: {0:N0}; drain-only messages/s: {1:N0}", figures.SendOnlyPerSecond, figures.DrainPerSecond));
        output.WriteLine(string.Format(
            culture, "fsyncs/s: {0:N0}; messages per fsync: {1:N1}", figures.FsyncsPerSecond, figures.MessagesPerFsync));
        output.WriteLine(string.Format(culture, "p99 time to durable: {0:F2} ms", figures.P99SendMilliseconds));
        output.WriteLine(string.Format(
            culture,
            "CPU per message (concurrent, all threads): {0:F1} us; GC pauses: {1:P1} of the time",
            figures.CpuMicrosecondsPerMessage,
            figures.GcPauseFraction));
        if (figures.Backlog > 0)
        {
            output.WriteLine(string.Format(
                culture,
                "with {0:N0} waiting: messages/s {1:N0} = {2:F2}x the empty queue (target >= {3}x)",
                figures.Backlog,
                figures.BacklogMessagesPerSecond,
                figures.BacklogRatio,
                TargetRatio));
            output.WriteLine(string.Format(
                culture,
                "with {0:N0} waiting: resident memory {1:N0} MB, {2:N0} MB after reopen (target <= {3} MB); "
                + "reopen {4:F2} s (target <= {5} s)",
                figures.Backlog,
                residentMegabytes,
                reopenedMegabytes,
                TargetResidentMegabytes,
                figures.ReopenSecondsWithBacklog,
                TargetReopenSeconds));
        }

        if (!json)
        {
            return;
        }

        var summary = new Dictionary<string, double>
        {
            ["messagesPerSecond"] = Math.Round(figures.MessagesPerSecond),
            ["sendOnlyPerSecond"] = Math.Round(figures.SendOnlyPerSecond),
            ["drainPerSecond"] = Math.Round(figures.DrainPerSecond),
            ["fsyncsPerSecond"] = Math.Round(figures.FsyncsPerSecond),
            ["messagesPerFsync"] = Math.Round(figures.MessagesPerFsync, 1),
            ["p99DurableMilliseconds"] = Math.Round(figures.P99SendMilliseconds, 3),
            ["cpuMicrosecondsPerMessage"] = Math.Round(figures.CpuMicrosecondsPerMessage, 2),
            ["gcPauseFraction"] = Math.Round(figures.GcPauseFraction, 4),
        };
        if (figures.Backlog > 0)
        {
            summary["backlog"] = figures.Backlog;
            summary["backlogMessagesPerSecond"] = Math.Round(figures.BacklogMessagesPerSecond);
            summary["backlogRatio"] = Math.Round(figures.BacklogRatio, 3);
            summary["residentMegabytesWithBacklog"] = Math.Round(residentMegabytes, 1);
            summary["residentMegabytesAfterReopen"] = Math.Round(reopenedMegabytes, 1);
            summary["reopenSecondsWithBacklog"] = Math.Round(figures.ReopenSecondsWithBacklog, 3);
        }

        output.WriteLine(JsonSerializer.Serialize(summary));
    }
}
