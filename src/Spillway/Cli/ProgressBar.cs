using System.Diagnostics;
using System.Globalization;

namespace Spillway.Cli;

/// <summary>
/// Progress on stderr: a bar redrawn in place on a terminal (at most ten times a second), or a plain line at every
/// tenth of the work when stderr is a file or a pipe, so logs stay readable.
/// </summary>
internal sealed class ProgressBar(long total, string unit)
{
    private const int Width = 30;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;

    private readonly bool live = !Console.IsErrorRedirected;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long lastDrawn = -RedrawTicks;
    private long lastTenth = -1;
    private string note = "";
    private int lastWidth;
    private long lastDone;
    private long lastAccepted;
    private long lastRejected;

    /// <summary>Shows a short note after the bar until the next report (e.g. "server busy, retrying").</summary>
    public void Note(string text)
    {
        note = text;
        Draw(lastDone, lastAccepted, lastRejected, force: true);
    }

    public void Report(long done, long accepted, long rejected)
    {
        note = "";
        (lastDone, lastAccepted, lastRejected) = (done, accepted, rejected);
        Draw(done, accepted, rejected, force: false);
    }

    public void Finish(long accepted, long rejected)
    {
        note = "";
        Draw(accepted + rejected, accepted, rejected, force: true);
        if (live)
        {
            Console.Error.WriteLine();
        }
    }

    private void Draw(long done, long accepted, long rejected, bool force)
    {
        var fraction = total == 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        var seconds = clock.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? done / seconds : 0;
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{done:N0}/{total:N0} {unit} ({fraction * 100:F0}%), accepted {accepted:N0}, rejected {rejected:N0}, {rate:N0}/s");
        if (live)
        {
            var now = clock.ElapsedTicks;
            if (!force && now - lastDrawn < RedrawTicks && done < total)
            {
                return;
            }

            lastDrawn = now;
            var filled = (int)Math.Round(fraction * Width);
            var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {text} {note}".TrimEnd();
            Console.Error.Write("\r" + line.PadRight(lastWidth)); // the padding erases a longer previous line
            lastWidth = line.Length;
            return;
        }

        var tenth = (long)(fraction * 10);
        if (force ? note.Length > 0 : tenth > lastTenth)
        {
            lastTenth = tenth;
            Console.Error.WriteLine(note.Length > 0 ? $"{text} ({note})" : text);
        }
    }
}
