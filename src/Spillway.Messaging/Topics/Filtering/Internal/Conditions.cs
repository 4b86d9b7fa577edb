using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Spillway.Messaging.Topics.Filtering.Internal;

/// <summary>One entry of a key's value array, compiled: it accepts or refuses one leaf value.</summary>
internal abstract class Condition
{
    public abstract bool Matches(in FilterValue value);
}

/// <summary>Exact strings, merged into one set however many the key lists.</summary>
internal sealed class ExactStringsCondition(HashSet<string> values) : Condition
{
    public override bool Matches(in FilterValue value) => value.Kind == FilterValueKind.String && values.Contains(value.Text);
}

/// <summary>An exact number, true, false or null (or a number too large for a double, kept as its text). Numbers
/// compare by value, so 301.5 matches 3.015e2.</summary>
internal sealed class ExactLiteralCondition(FilterValue expected) : Condition
{
    public override bool Matches(in FilterValue value) => value.Kind == expected.Kind && value.Kind switch
    {
        FilterValueKind.Number => value.Number == expected.Number,
        FilterValueKind.String => value.Text == expected.Text,
        _ => true,
    };
}

internal enum StringPattern
{
    Prefix,
    Suffix,
    EqualsIgnoreCase,
}

/// <summary><c>prefix</c>, <c>suffix</c> or <c>equals-ignore-case</c>: strings only.</summary>
internal sealed class StringPatternCondition(StringPattern pattern, string operand) : Condition
{
    public override bool Matches(in FilterValue value) =>
        value.Kind == FilterValueKind.String && Test(pattern, operand, value.Text);

    public static bool Test(StringPattern pattern, string operand, string text) => pattern switch
    {
        StringPattern.Prefix => text.StartsWith(operand, StringComparison.Ordinal),
        StringPattern.Suffix => text.EndsWith(operand, StringComparison.Ordinal),
        _ => string.Equals(text, operand, StringComparison.OrdinalIgnoreCase),
    };
}

/// <summary>
/// <c>anything-but</c> a list of strings and numbers: any present value that is not listed. A null is no value (as for
/// <c>exists</c>), so it does not pass; a value of another type is not listed, so it does.
/// </summary>
internal sealed class AnythingButCondition(HashSet<string> strings, HashSet<double> numbers) : Condition
{
    public override bool Matches(in FilterValue value) => value.Kind switch
    {
        FilterValueKind.Null => false,
        FilterValueKind.String => !strings.Contains(value.Text),
        FilterValueKind.Number => !numbers.Contains(value.Number),
        _ => true,
    };
}

/// <summary><c>anything-but</c> with a nested <c>prefix</c>, <c>suffix</c> or <c>equals-ignore-case</c>: strings that
/// fit none of the operands.</summary>
internal sealed class AnythingButPatternCondition(StringPattern pattern, string[] operands) : Condition
{
    public override bool Matches(in FilterValue value)
    {
        if (value.Kind != FilterValueKind.String)
        {
            return false;
        }

        foreach (var operand in operands)
        {
            if (StringPatternCondition.Test(pattern, operand, value.Text))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>numeric</c>: one comparison or a range with a lower and an upper bound; numbers only.</summary>
internal sealed class NumericCondition(double? lower, bool lowerInclusive, double? upper, bool upperInclusive) : Condition
{
    public override bool Matches(in FilterValue value)
    {
        if (value.Kind != FilterValueKind.Number)
        {
            return false;
        }

        var number = value.Number;
        return (lower is not { } low || (lowerInclusive ? number >= low : number > low))
            && (upper is not { } high || (upperInclusive ? number <= high : number < high));
    }
}

/// <summary><c>cidr</c>: strings that are an IPv4 or IPv6 address inside the block.</summary>
internal sealed class CidrCondition(IPNetwork network) : Condition
{
    public override bool Matches(in FilterValue value) =>
        value.Kind == FilterValueKind.String && TryParseAddress(value.Text, out var address) && network.Contains(address);

    /// <summary>An address in its standard form: four dotted decimals, or IPv6. The BCL alone also reads "10.1" and
    /// "167772161" as IPv4, which neither SNS nor a reader would call an address.</summary>
    public static bool TryParseAddress(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        var standard = text.Contains(':', StringComparison.Ordinal) || text.AsSpan().Count('.') == 3;
        return standard && IPAddress.TryParse(text, out address);
    }
}
