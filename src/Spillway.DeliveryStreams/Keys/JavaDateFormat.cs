using System.Globalization;
using System.Text;

namespace Spillway.DeliveryStreams.Keys;

/// <summary>
/// The part of Java's <c>DateTimeFormatter</c> pattern language that Firehose's <c>!{timestamp:…}</c> prefixes use: years
/// (<c>y</c>, <c>u</c>), months (<c>M</c>, <c>MM</c>, <c>MMM</c>, <c>MMMM</c>), days of the month (<c>d</c>) and of the
/// year (<c>D</c>), days of the week (<c>E</c>), hours (<c>H</c>, <c>h</c>), minutes, seconds, fractions (<c>S</c>), the
/// half-day (<c>a</c>); text in single quotes is literal, <c>''</c> is a quote, and any other non-letter stands for
/// itself. A letter outside that set is refused when the prefix is declared, never at delivery.
/// </summary>
internal static class JavaDateFormat
{
    /// <summary>The reason <paramref name="pattern"/> cannot be used; null when it can.</summary>
    public static string? Validate(string pattern)
    {
        try
        {
            _ = Format(pattern, DateTimeOffset.UnixEpoch);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>Formats <paramref name="instant"/> (already in the wanted time zone) by <paramref name="pattern"/>.</summary>
    public static string Format(string pattern, DateTimeOffset instant)
    {
        var text = new StringBuilder(pattern.Length + 8);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\'')
            {
                i = Quoted(pattern, i, text);
                continue;
            }

            if (!char.IsAsciiLetter(c))
            {
                text.Append(c);
                i++;
                continue;
            }

            var count = 1;
            while (i + count < pattern.Length && pattern[i + count] == c)
            {
                count++;
            }

            text.Append(Field(c, count, instant));
            i += count;
        }

        return text.ToString();
    }

    private static int Quoted(string pattern, int start, StringBuilder text)
    {
        if (start + 1 < pattern.Length && pattern[start + 1] == '\'')
        {
            text.Append('\'');
            return start + 2;
        }

        var end = pattern.IndexOf('\'', start + 1);
        if (end < 0)
        {
            throw new FormatException($"The timestamp pattern '{pattern}' opens a quote it does not close.");
        }

        text.Append(pattern, start + 1, end - start - 1);
        return end + 1;
    }

    private static string Field(char letter, int count, DateTimeOffset t) => letter switch
    {
        'y' or 'u' => count == 2 ? Number(t.Year % 100, 2) : Number(t.Year, count),
        'M' => count switch
        {
            <= 2 => Number(t.Month, count),
            3 => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
            _ => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(t.Month),
        },
        'd' when count <= 2 => Number(t.Day, count),
        'D' when count <= 3 => Number(t.DayOfYear, count),
        'E' => count <= 3
            ? CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek)
            : CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(t.DayOfWeek),
        'H' when count <= 2 => Number(t.Hour, count),
        'h' when count <= 2 => Number(t.Hour % 12 == 0 ? 12 : t.Hour % 12, count),
        'm' when count <= 2 => Number(t.Minute, count),
        's' when count <= 2 => Number(t.Second, count),
        'S' when count <= 9 => Number((int)(t.Ticks % TimeSpan.TicksPerSecond * 100 / (long)Math.Pow(10, 9 - count)), count),
        'a' when count == 1 => t.Hour < 12 ? "AM" : "PM",
        _ => throw new FormatException(
            $"The timestamp pattern letter '{new string(letter, count)}' is not supported; use y, u, M, d, D, E, H, h, m, s, S, a, "
            + "and quote literal text ('T')."),
    };

    private static string Number(int value, int width) => value.ToString(new string('0', width), CultureInfo.InvariantCulture);
}
