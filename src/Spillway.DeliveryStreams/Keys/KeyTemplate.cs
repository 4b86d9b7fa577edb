using System.Text;

namespace Spillway.DeliveryStreams.Keys;

/// <summary>
/// A delivery stream's <c>Prefix</c> or <c>ErrorOutputPrefix</c>, parsed once when the stream is declared: literal text
/// and Firehose's <c>!{namespace:value}</c> expressions (<c>timestamp</c>, <c>firehose:random-string</c>,
/// <c>firehose:error-output-type</c>, <c>partitionKeyFromQuery</c>, <c>partitionKeyFromLambda</c>), with Firehose's rules:
/// a prefix without a timestamp expression gets <c>!{timestamp:yyyy/MM/dd/HH/}</c> appended; an error prefix may be left
/// out only when the prefix has no expressions; an error prefix with expressions names the error type and no partition
/// keys; neither evaluates to more than 512 characters.
/// </summary>
public sealed class KeyTemplate
{
    /// <summary>The longest an evaluated prefix may be.</summary>
    public const int MaxEvaluatedLength = 512;

    private const string DefaultTime = "yyyy/MM/dd/HH/";

    private readonly Part[] parts;

    private KeyTemplate(string text, Part[] parts)
    {
        Text = text;
        this.parts = parts;
        PartitionKeysFromQuery = [.. parts.Where(p => p.Kind == PartKind.QueryKey).Select(p => p.Value).Distinct(StringComparer.Ordinal)];
        PartitionKeysFromLambda = [.. parts.Where(p => p.Kind == PartKind.LambdaKey).Select(p => p.Value).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The template as declared, with the defaults Firehose adds.</summary>
    public string Text { get; }

    /// <summary>The keys <c>!{partitionKeyFromQuery:…}</c> names, in order of first use.</summary>
    public IReadOnlyList<string> PartitionKeysFromQuery { get; }

    /// <summary>The keys <c>!{partitionKeyFromLambda:…}</c> names, in order of first use.</summary>
    public IReadOnlyList<string> PartitionKeysFromLambda { get; }

    /// <summary>Whether the template partitions records by keys taken from them.</summary>
    public bool IsPartitioned => PartitionKeysFromQuery.Count > 0 || PartitionKeysFromLambda.Count > 0;

    /// <summary>A delivery stream's <c>Prefix</c>; null or empty is Firehose's default, <c>yyyy/MM/dd/HH/</c>.</summary>
    /// <exception cref="ArgumentException">The prefix breaks one of Firehose's rules; the message says which.</exception>
    public static KeyTemplate ForPrefix(string? prefix)
    {
        prefix ??= string.Empty;
        var parts = Parse(prefix, "Prefix");
        if (parts.Any(p => p.Kind == PartKind.ErrorType))
        {
            throw new ArgumentException("Prefix cannot contain !{firehose:error-output-type}: only ErrorOutputPrefix can.");
        }

        return parts.Any(p => p.Kind == PartKind.Timestamp)
            ? new KeyTemplate(prefix, parts)
            : new KeyTemplate(prefix + "!{timestamp:" + DefaultTime + "}", [.. parts, new Part(PartKind.Timestamp, DefaultTime)]);
    }

    /// <summary>A delivery stream's <c>ErrorOutputPrefix</c>, given its <paramref name="prefix"/>.</summary>
    /// <exception cref="ArgumentException">The pair breaks one of Firehose's rules; the message says which.</exception>
    public static KeyTemplate ForErrorPrefix(string? errorPrefix, string? prefix)
    {
        if (string.IsNullOrEmpty(errorPrefix))
        {
            if (prefix is not null && prefix.Contains("!{", StringComparison.Ordinal))
            {
                throw new ArgumentException("ErrorOutputPrefix cannot be null when Prefix contains expressions.");
            }

            errorPrefix = prefix + "!{firehose:error-output-type}/!{timestamp:" + DefaultTime + "}";
        }

        var parts = Parse(errorPrefix, "ErrorOutputPrefix");
        if (parts.Any(p => p.Kind is PartKind.QueryKey or PartKind.LambdaKey))
        {
            throw new ArgumentException("ErrorOutputPrefix cannot use the partitionKeyFromQuery or partitionKeyFromLambda namespaces.");
        }

        if (parts.Any(p => p.Kind != PartKind.Literal) && !parts.Any(p => p.Kind == PartKind.ErrorType))
        {
            throw new ArgumentException("ErrorOutputPrefix must contain !{firehose:error-output-type} when it contains expressions.");
        }

        return new KeyTemplate(errorPrefix, parts);
    }

    /// <summary>The prefix of one object.</summary>
    /// <exception cref="KeyEvaluationException">A partition key the template names is missing, or the result is too long.</exception>
    public string Evaluate(in KeyContext context)
    {
        var text = new StringBuilder(64);
        foreach (var part in parts)
        {
            switch (part.Kind)
            {
                case PartKind.Literal:
                    text.Append(part.Value);
                    break;
                case PartKind.Timestamp:
                    // Every timestamp expression of a prefix stands for the same instant: the oldest record's arrival.
                    text.Append(JavaDateFormat.Format(part.Value, context.Oldest));
                    break;
                case PartKind.Random:
                    text.Append(RandomString(context.Random));
                    break;
                case PartKind.ErrorType:
                    text.Append(context.ErrorType ?? throw new InvalidOperationException("An error prefix needs the error's type."));
                    break;
                case PartKind.QueryKey:
                    text.Append(Key(context.QueryKeys, part.Value, "partitionKeyFromQuery"));
                    break;
                case PartKind.LambdaKey:
                    text.Append(Key(context.LambdaKeys, part.Value, "partitionKeyFromLambda"));
                    break;
            }
        }

        return text.Length <= MaxEvaluatedLength
            ? text.ToString()
            : throw new KeyEvaluationException($"The evaluated prefix is {text.Length} characters long; at most {MaxEvaluatedLength} are allowed.");
    }

    /// <summary>Firehose's random-string: 11 characters (8 hex digits, a dash, 2 more), from the caller's generator so that
    /// a delivery written again after a crash gets the same key.</summary>
    private static string RandomString(Random random)
    {
        Span<byte> bytes = stackalloc byte[5];
        random.NextBytes(bytes);
        var hex = Convert.ToHexStringLower(bytes);
        return string.Concat(hex.AsSpan(0, 8), "-", hex.AsSpan(8, 2));
    }

    private static string Key(IReadOnlyDictionary<string, string>? keys, string name, string space) =>
        keys is not null && keys.TryGetValue(name, out var value)
            ? value
            : throw new KeyEvaluationException($"The record has no value for !{{{space}:{name}}}.");

    private static Part[] Parse(string template, string field)
    {
        var parts = new List<Part>();
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf("!{", at, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(new Part(PartKind.Literal, template[at..]));
                break;
            }

            if (open > at)
            {
                parts.Add(new Part(PartKind.Literal, template[at..open]));
            }

            var close = template.IndexOf('}', open);
            if (close < 0)
            {
                throw new ArgumentException($"{field} opens an expression with !{{ that it does not close with }}.");
            }

            parts.Add(Expression(template[(open + 2)..close], field));
            at = close + 1;
        }

        return [.. parts];
    }

    private static Part Expression(string body, string field)
    {
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        var (space, value) = colon < 0 ? (body, string.Empty) : (body[..colon], body[(colon + 1)..]);
        switch (space)
        {
            case "timestamp":
                var problem = value.Length == 0 ? "it needs a pattern." : JavaDateFormat.Validate(value);
                if (problem is not null)
                {
                    throw new ArgumentException($"{field} has an invalid !{{timestamp:{value}}} expression: {problem}");
                }

                return new Part(PartKind.Timestamp, value);
            case "firehose" when value == "random-string":
                return new Part(PartKind.Random, value);
            case "firehose" when value == "error-output-type":
                return new Part(PartKind.ErrorType, value);
            case "partitionKeyFromQuery" or "partitionKeyFromLambda" when value.Length > 0:
                return new Part(space == "partitionKeyFromQuery" ? PartKind.QueryKey : PartKind.LambdaKey, value);
            default:
                throw new ArgumentException(
                    $"{field} has an unknown expression !{{{body}}}: the namespaces are timestamp, firehose (random-string, "
                    + "error-output-type), partitionKeyFromQuery and partitionKeyFromLambda.");
        }
    }

    private enum PartKind
    {
        Literal,
        Timestamp,
        Random,
        ErrorType,
        QueryKey,
        LambdaKey,
    }

    private readonly record struct Part(PartKind Kind, string Value);
}

/// <summary>What one object's prefix is evaluated with.</summary>
/// <param name="Oldest">The arrival time of the oldest record in the object, in the stream's time zone.</param>
/// <param name="ErrorType">For an error prefix: processing-failed, http-endpoint-failed, format-conversion-failed…</param>
/// <param name="QueryKeys">The record's keys from the stream's partitioning queries.</param>
/// <param name="LambdaKeys">The record's keys from the stream's transform.</param>
/// <param name="Random">Where random strings come from: seeded by the delivery, so a retry names the same object.</param>
public readonly record struct KeyContext(
    DateTimeOffset Oldest,
    string? ErrorType,
    IReadOnlyDictionary<string, string>? QueryKeys,
    IReadOnlyDictionary<string, string>? LambdaKeys,
    Random Random);

/// <summary>A prefix could not be evaluated for a record or an object: the records go to the error prefix.</summary>
public sealed class KeyEvaluationException(string message) : Exception(message);
