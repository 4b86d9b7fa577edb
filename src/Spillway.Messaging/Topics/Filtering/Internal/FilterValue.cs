using System.Globalization;
using System.Text.Json;

namespace Spillway.Messaging.Topics.Filtering.Internal;

internal enum FilterValueKind : byte
{
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// One leaf value of a message, as a policy sees it: a string, a number, true, false or null. Numbers keep the text
/// they were written with, for explanations; conditions compare <see cref="Number"/>, the value cut to six decimal
/// places, because SNS compares numbers at that precision (100.1234567 equals 100.123456789).
/// </summary>
internal readonly struct FilterValue
{
    private FilterValue(FilterValueKind kind, string text, double number)
    {
        Kind = kind;
        Text = text;
        Number = number;
    }

    public static FilterValue True { get; } = new(FilterValueKind.True, "true", 0);

    public static FilterValue False { get; } = new(FilterValueKind.False, "false", 0);

    public static FilterValue Null { get; } = new(FilterValueKind.Null, "null", 0);

    public FilterValueKind Kind { get; }

    /// <summary>The string itself, or the literal as written for the other kinds.</summary>
    public string Text { get; }

    /// <summary>The number as compared: see <see cref="Comparable"/>.</summary>
    public double Number { get; }

    public static FilterValue OfString(string text) => new(FilterValueKind.String, text, 0);

    public static FilterValue OfNumber(string text, double number) =>
        new(FilterValueKind.Number, text, decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
            ? Comparable(exact)
            : number);

    /// <summary>A number as policies compare it: truncated to six decimal places, in decimal so that 0.3 stays 0.3.
    /// Policy operands go through the same cut.</summary>
    public static double Comparable(decimal number) =>
        Math.Abs(number) < 1e20m ? (double)(decimal.Truncate(number * 1_000_000m) / 1_000_000m) : (double)number;

    /// <summary>A number written as text (a <c>Number</c> attribute), or a string when it does not read as one.</summary>
    public static FilterValue ParseNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? OfNumber(text.Trim(), number)
            : OfString(text);

    /// <summary>A JSON scalar; null for an object or an array.</summary>
    public static FilterValue? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => OfString(element.GetString()!),
        JsonValueKind.Number => element.TryGetDouble(out var number) && double.IsFinite(number)
            ? OfNumber(element.GetRawText(), number)
            : OfString(element.GetRawText()),
        JsonValueKind.True => True,
        JsonValueKind.False => False,
        JsonValueKind.Null => Null,
        _ => null,
    };

    /// <summary>How an explanation shows the value: strings quoted as in JSON, the rest as written.</summary>
    public string Display => Kind == FilterValueKind.String ? JsonText.Quote(Text) : Text;
}
