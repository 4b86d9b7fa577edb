using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Spillway.Messaging.Topics.Filtering.Internal;

/// <summary>Reads a key's value array: exact values and the operators, each checked as SNS checks it.</summary>
internal sealed partial class PolicyParser
{
    private KeyRule Key(string name, string path, JsonElement values)
    {
        var conditions = new List<Condition>();
        HashSet<string>? exact = null;
        var existsTrue = false;
        var existsFalse = false;
        foreach (var value in values.EnumerateArray())
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    (exact ??= new HashSet<string>(StringComparer.Ordinal)).Add(value.GetString()!);
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                    conditions.Add(new ExactLiteralCondition(FilterValue.FromJson(value)!.Value));
                    break;
                case JsonValueKind.Object:
                    var (op, operand) = Single(value);
                    if (op == "exists")
                    {
                        if (operand.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            throw Fail("exists match pattern must be either true or false.");
                        }

                        existsTrue |= operand.ValueKind == JsonValueKind.True;
                        existsFalse |= operand.ValueKind == JsonValueKind.False;
                    }
                    else
                    {
                        conditions.Add(Operator(op, operand));
                    }

                    break;
                default:
                    throw Fail("Match value must be String, number, true, false, or null");
            }
        }

        if (exact is not null)
        {
            conditions.Insert(0, new ExactStringsCondition(exact));
        }

        var inBody = scope == FilterPolicyScope.MessageBody;
        return new KeyRule(name, path, inBody, [.. conditions], existsTrue, existsFalse, JsonText.Compact(values));
    }

    private static (string Name, JsonElement Operand) Single(JsonElement expression)
    {
        if (expression.GetPropertyCount() != 1)
        {
            throw Fail("Only one key allowed in match expression");
        }

        var property = expression.EnumerateObject().First();
        return (property.Name, property.Value);
    }

    private static Condition Operator(string op, JsonElement operand) => op switch
    {
        "prefix" => new StringPatternCondition(StringPattern.Prefix, PatternOperand(op, operand)),
        "suffix" => new StringPatternCondition(StringPattern.Suffix, PatternOperand(op, operand)),
        "equals-ignore-case" => new StringPatternCondition(StringPattern.EqualsIgnoreCase, PatternOperand(op, operand)),
        "anything-but" => AnythingBut(operand),
        "numeric" => Numeric(operand),
        // SNS's text for a cidr that is not a string names prefix.
        "cidr" => Cidr(PatternOperand("prefix", operand)),
        _ => throw Fail($"Unrecognized match type {op}"),
    };

    private static string PatternOperand(string op, JsonElement operand) =>
        operand.ValueKind == JsonValueKind.String ? operand.GetString()! : throw Fail($"{op} match pattern must be a string");

    private static Condition AnythingBut(JsonElement operand)
    {
        var strings = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<double>();
        switch (operand.ValueKind)
        {
            case JsonValueKind.String:
                strings.Add(operand.GetString()!);
                break;
            case JsonValueKind.Number:
                numbers.Add(Number("anything-but", operand));
                break;
            case JsonValueKind.Array:
                if (operand.GetArrayLength() == 0)
                {
                    throw Fail("Empty arrays are not allowed");
                }

                foreach (var item in operand.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        strings.Add(item.GetString()!);
                    }
                    else if (item.ValueKind == JsonValueKind.Number)
                    {
                        numbers.Add(Number("anything-but", item));
                    }
                    else
                    {
                        throw Fail("Inside anything but list, start|null|boolean is not supported.");
                    }
                }

                break;
            case JsonValueKind.Object:
                return AnythingButPattern(operand);
            default:
                throw Fail("Value of anything-but must be an array or single string/number value.");
        }

        return new AnythingButCondition(strings, numbers);
    }

    private static Condition AnythingButPattern(JsonElement operand)
    {
        var (op, inner) = Single(operand);
        var pattern = op switch
        {
            "prefix" => StringPattern.Prefix,
            "suffix" => StringPattern.Suffix,
            "equals-ignore-case" => StringPattern.EqualsIgnoreCase,
            _ => throw Fail($"Unsupported anything-but pattern: {op}"),
        };

        if (inner.ValueKind != JsonValueKind.Array)
        {
            return new AnythingButPatternCondition(pattern, [PatternOperand(op, inner)]);
        }

        if (inner.GetArrayLength() == 0)
        {
            throw Fail("Empty arrays are not allowed");
        }

        return new AnythingButPatternCondition(pattern, [.. inner.EnumerateArray().Select(item => PatternOperand(op, item))]);
    }

    private static NumericCondition Numeric(JsonElement operand)
    {
        if (operand.ValueKind != JsonValueKind.Array)
        {
            throw Fail("Value of numeric must be an array.");
        }

        var terms = operand.EnumerateArray().ToArray();
        if (terms.Length == 0)
        {
            throw Fail("Invalid member in numeric match: ]");
        }

        var first = Comparison(
            terms[0], "Invalid member in numeric match", "Unrecognized numeric range operator", "<", "<=", "=", ">", ">=");
        var low = Operand(terms, 1, first == "=" ? "equals" : first);
        if (terms.Length == 2)
        {
            return first switch
            {
                "=" => new NumericCondition(low, true, low, true),
                "<" or "<=" => new NumericCondition(null, false, low, first == "<="),
                _ => new NumericCondition(low, first == ">=", null, false),
            };
        }

        if (first is not (">" or ">="))
        {
            throw Fail("Too many elements in numeric expression");
        }

        var second = Comparison(terms[2], "Bad value in numeric range", "Bad numeric range operator", "<", "<=");
        var high = Operand(terms, 3, second);
        if (high <= low)
        {
            throw Fail("Bottom must be less than top");
        }

        if (terms.Length > 4)
        {
            throw Fail("Too many terms in numeric range expression");
        }

        return new NumericCondition(low, first == ">=", high, second == "<=");
    }

    private static string Comparison(JsonElement term, string notAString, string unknown, params string[] allowed)
    {
        if (term.ValueKind != JsonValueKind.String)
        {
            throw Fail($"{notAString}: {JsonText.Compact(term)}");
        }

        var op = term.GetString()!;
        return allowed.Contains(op) ? op : throw Fail($"{unknown}: {op}");
    }

    private static double Operand(JsonElement[] terms, int index, string op) =>
        index < terms.Length && terms[index].ValueKind == JsonValueKind.Number
            ? Number(op, terms[index])
            : throw Fail($"Value of {op} must be numeric");

    /// <summary>A number SNS can compare: within ±10⁹ and with at most five decimals.</summary>
    private static double Number(string op, JsonElement number)
    {
        if (!number.TryGetDecimal(out var value)
            || Math.Abs(value) > FilterPolicyLimits.MaxNumber
            || decimal.Round(value, FilterPolicyLimits.MaxDecimals) != value)
        {
            throw Fail($"Value of {op} must be a number between -{FilterPolicyLimits.MaxNumber} and "
                + $"{FilterPolicyLimits.MaxNumber} with at most {FilterPolicyLimits.MaxDecimals} digits after the decimal point");
        }

        return FilterValue.Comparable(value);
    }

    private static CidrCondition Cidr(string block)
    {
        var parts = block.Split('/');
        if (parts.Length != 2)
        {
            throw Fail("Malformed CIDR, one '/' required");
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var bits))
        {
            throw Fail("Malformed CIDR, mask bits must be an integer");
        }

        if (!CidrCondition.TryParseAddress(parts[0], out var address)
            || bits > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            throw Fail($"Nonstandard IP address: {parts[0]}");
        }

        // A block written with host bits set (10.0.0.7/24) means its network; IPNetwork wants them clear.
        var bytes = address.GetAddressBytes();
        for (var bit = bits; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new CidrCondition(new IPNetwork(new IPAddress(bytes), bits));
    }
}
