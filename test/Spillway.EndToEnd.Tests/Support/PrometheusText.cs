using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4): it throws on anything a Prometheus server would
/// reject or misread (a sample before its TYPE, a bad name or escape, a duplicate series, a counter without _total,
/// a histogram whose buckets fall or whose +Inf bucket differs from _count).
/// </summary>
internal sealed partial class PrometheusText
{
    private readonly Dictionary<string, string> types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> samples = new(StringComparer.Ordinal);

    private PrometheusText()
    {
    }

    public IReadOnlyDictionary<string, string> Types => types;

    public static PrometheusText Parse(string text)
    {
        var parsed = new PrometheusText();
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        var helped = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var name = line[7..].Split(' ', 2)[0];
                Require(MetricName().IsMatch(name), lineNumber, $"bad metric name '{name}'");
                Require(helped.Add(name), lineNumber, $"second HELP for {name}");
                Require(!parsed.types.ContainsKey(name), lineNumber, $"HELP after TYPE for {name}");
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Require(parts.Length == 2, lineNumber, "TYPE needs a name and a type");
                Require(MetricName().IsMatch(parts[0]), lineNumber, $"bad metric name '{parts[0]}'");
                Require(parts[1] is "counter" or "gauge" or "histogram" or "summary" or "untyped", lineNumber, $"bad type '{parts[1]}'");
                Require(parsed.types.TryAdd(parts[0], parts[1]), lineNumber, $"second TYPE for {parts[0]}");
                Require(parts[1] != "counter" || parts[0].EndsWith("_total", StringComparison.Ordinal), lineNumber, "counter without _total");
                continue;
            }

            Require(!line.StartsWith('#'), lineNumber, "unknown comment form");
            parsed.ParseSample(line, lineNumber);
        }

        parsed.CheckHistograms();
        return parsed;
    }

    /// <summary>The value of one series, e.g. <c>Value("spillway_queue_messages_visible", ("queue", "submit"))</c>.</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        TryValue(name, labels) ?? throw new KeyNotFoundException($"no series {Key(name, labels)}");

    public double? TryValue(string name, params (string Key, string Value)[] labels) =>
        samples.TryGetValue(Key(name, labels), out var value) ? value : null;

    /// <summary>Sums every series of a name whose labels include the given ones.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels)
    {
        var wanted = labels.Select(l => $"{l.Key}=\"{l.Value}\"").ToArray();
        return samples.Where(s => SeriesName(s.Key) == name && wanted.All(w => s.Key.Contains(w, StringComparison.Ordinal)))
            .Sum(s => s.Value);
    }

    private static string SeriesName(string key) => key.Split('{')[0];

    private static string Key(string name, IEnumerable<(string Key, string Value)> labels)
    {
        var sorted = labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"").ToArray();
        return sorted.Length == 0 ? name : name + "{" + string.Join(',', sorted) + "}";
    }

    private void ParseSample(string line, int lineNumber)
    {
        var match = SampleName().Match(line);
        Require(match.Success, lineNumber, $"bad sample '{line}'");
        var name = match.Value;
        var position = name.Length;
        var labels = new List<(string Key, string Value)>();
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var labelName = LabelName().Match(line, position);
                Require(labelName.Success && labelName.Index == position, lineNumber, "bad label name");
                position += labelName.Length;
                Require(line[position] == '=' && line[position + 1] == '"', lineNumber, "label needs =\"");
                position += 2;
                var value = new StringBuilder();
                while (line[position] != '"')
                {
                    if (line[position] == '\\')
                    {
                        var escaped = line[position + 1];
                        Require(escaped is '\\' or '"' or 'n', lineNumber, $"bad escape \\{escaped}");
                        value.Append(escaped == 'n' ? '\n' : escaped);
                        position += 2;
                        continue;
                    }

                    value.Append(line[position++]);
                }

                position++;
                Require(labels.All(l => l.Key != labelName.Value), lineNumber, "duplicate label");
                labels.Add((labelName.Value, value.ToString()));
                if (line[position] == ',')
                {
                    position++;
                }
            }

            position++;
        }

        Require(line[position] == ' ', lineNumber, "a single space must separate the value");
        var valueText = line[(position + 1)..];
        Require(!valueText.Contains(' ', StringComparison.Ordinal), lineNumber, "no timestamps expected");
        var number = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        var family = FamilyOf(name);
        Require(family is not null, lineNumber, $"sample {name} before its TYPE");
        Require(samples.TryAdd(Key(name, labels), number), lineNumber, $"duplicate series {Key(name, labels)}");
    }

    private string? FamilyOf(string sample)
    {
        if (types.ContainsKey(sample))
        {
            return sample;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sample[..^suffix.Length], out var type)
                && type is "histogram" or "summary")
            {
                return sample[..^suffix.Length];
            }
        }

        return null;
    }

    private void CheckHistograms()
    {
        foreach (var (family, _) in types.Where(t => t.Value == "histogram"))
        {
            var buckets = samples.Where(s => SeriesName(s.Key) == family + "_bucket")
                .GroupBy(s => WithoutLe(s.Key[(family.Length + 7)..]));
            foreach (var series in buckets)
            {
                var ordered = series.Select(s => (Le: ParseLe(s.Key), s.Value)).OrderBy(b => b.Le).ToList();
                if (ordered[^1].Le != double.PositiveInfinity)
                {
                    throw new FormatException($"{family}{series.Key} has no +Inf bucket");
                }

                for (var i = 1; i < ordered.Count; i++)
                {
                    if (ordered[i].Value < ordered[i - 1].Value)
                    {
                        throw new FormatException($"{family}{series.Key}: bucket le={ordered[i].Le} falls below the one before");
                    }
                }

                var labels = series.Key.Trim('{', '}');
                if (labels.Length > 0)
                {
                    labels = string.Join(',', labels.Split(',').Order(StringComparer.Ordinal));
                }
                var count = samples[labels.Length == 0 ? family + "_count" : $"{family}_count{{{labels}}}"];
                if (count != ordered[^1].Value)
                {
                    throw new FormatException($"{family}{series.Key}: _count {count} differs from the +Inf bucket {ordered[^1].Value}");
                }

                _ = samples[labels.Length == 0 ? family + "_sum" : $"{family}_sum{{{labels}}}"];
            }
        }
    }

    private static string WithoutLe(string labels)
    {
        var rest = LeRemoved().Replace(labels, string.Empty)
            .Replace("{,", "{", StringComparison.Ordinal).Replace(",,", ",", StringComparison.Ordinal).Replace(",}", "}", StringComparison.Ordinal);
        return rest == "{}" ? string.Empty : rest;
    }

    private static double ParseLe(string key)
    {
        var le = Regex.Match(key, "le=\"([^\"]*)\"").Groups[1].Value;
        return le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
    }

    private static void Require(bool condition, int line, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"line {line}: {problem}");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    [GeneratedRegex("le=\"[^\"]*\"")]
    private static partial Regex LeRemoved();
}
