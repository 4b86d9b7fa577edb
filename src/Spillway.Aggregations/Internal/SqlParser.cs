using System.Globalization;

namespace Spillway.Aggregations.Internal;

/// <summary>A recursive-descent reader of the subset <see cref="AggregationSql"/> documents.</summary>
internal sealed class SqlParser(List<SqlToken> tokens)
{
    private static readonly string[] Unsupported =
    [
        "JOIN", "HAVING", "ORDER", "LIMIT", "UNION", "INTERSECT", "EXCEPT", "OVER", "OR", "NOT", "CASE", "WITH", "IN",
        "BETWEEN", "LIKE", "IS", "OFFSET", "WINDOW", "MATCH_RECOGNIZE", "LATERAL", "EXISTS", "CUMULATE", "INSERT", "UPDATE",
        "DELETE", "CREATE", "DROP",
    ];

    private static readonly string[] WindowColumns =
        ["TUMBLE_START", "TUMBLE_END", "HOP_START", "HOP_END", "SESSION_START", "SESSION_END", "TUMBLE_ROWTIME", "HOP_ROWTIME", "SESSION_ROWTIME"];

    private readonly List<AggregateSpec> aggregates = [];
    private readonly List<(string Field, string? Alias)> selectedKeys = [];
    private int at;

    private SqlToken Current => tokens[at];

    public AggregationDefinition Parse(string name)
    {
        Expect("SELECT");
        if (Current.Is("DISTINCT"))
        {
            throw new ArgumentException("SELECT DISTINCT is not supported.");
        }

        do
        {
            SelectItem();
        }
        while (Accept(","));

        Expect("FROM");
        if (Current.Is("("))
        {
            throw new ArgumentException("A subquery or table function in FROM is not supported; name the stream.");
        }

        var source = Path();
        if (Current.Is("AS") || Current.Kind == SqlTokenKind.Word && !IsClause(Current))
        {
            throw new ArgumentException($"A table alias ({Current}) is not supported.");
        }

        var filter = new List<FilterCondition>();
        if (Accept("WHERE"))
        {
            do
            {
                filter.Add(Condition());
            }
            while (Accept("AND"));
        }

        Expect("GROUP");
        Expect("BY");
        var keys = new List<string>();
        (WindowSpec Window, string TimeField)? window = null;
        do
        {
            if (Current.Is("TUMBLE") || Current.Is("HOP") || Current.Is("SESSION"))
            {
                if (window is not null)
                {
                    throw new ArgumentException("GROUP BY takes one window (TUMBLE, HOP or SESSION), not two.");
                }

                window = Window();
            }
            else
            {
                keys.Add(Path());
            }
        }
        while (Accept(","));

        Accept(";");
        if (Current.Kind != SqlTokenKind.End)
        {
            throw Refuse(Current);
        }

        if (window is not { } w)
        {
            throw new ArgumentException("GROUP BY needs a window: TUMBLE(ts, INTERVAL '1' MINUTE), HOP(ts, slide, size) or SESSION(ts, gap).");
        }

        foreach (var (field, _) in selectedKeys)
        {
            if (!keys.Contains(field, StringComparer.Ordinal))
            {
                throw new ArgumentException($"The selected column '{field}' is neither aggregated nor in GROUP BY.");
            }
        }

        return new AggregationDefinition
        {
            Name = name,
            Source = source,
            EventTimeField = w.TimeField,
            KeyFields = [.. keys.Select(k => new KeyField(k, selectedKeys.FirstOrDefault(s => s.Field == k).Alias))],
            Window = w.Window,
            Aggregates = aggregates,
            Filter = filter,
        };
    }

    private void SelectItem()
    {
        if (Current.Is("*"))
        {
            throw new ArgumentException("SELECT * is not supported: name the keys and aggregates.");
        }

        var token = Current;
        if (token.Kind == SqlTokenKind.Word && tokens[at + 1].Is("("))
        {
            var function = token.Value.ToUpperInvariant();
            if (WindowColumns.Contains(function))
            {
                at++;
                SkipParenthesised();
                Alias();
                return;
            }

            at += 2;
            var spec = Aggregate(function, token);
            Expect(")");
            if (Current.Is("OVER"))
            {
                throw new ArgumentException("OVER windows are not supported; group by TUMBLE, HOP or SESSION.");
            }

            var alias = Alias() ?? DefaultName(spec);
            aggregates.Add(spec with { OutputName = alias });
            return;
        }

        if (token.Kind is SqlTokenKind.Word or SqlTokenKind.Quoted)
        {
            var field = Path();
            var alias = Alias();
            if (field is "window_start" or "window_end" or "window_time")
            {
                return;
            }

            selectedKeys.Add((field, alias));
            return;
        }

        throw Refuse(token);
    }

    private AggregateSpec Aggregate(string function, SqlToken token)
    {
        switch (function)
        {
            case "COUNT":
                if (Accept("*"))
                {
                    return new AggregateSpec("", AggregateFunction.Count);
                }

                return Accept("DISTINCT")
                    ? new AggregateSpec("", AggregateFunction.CountDistinct, Path())
                    : new AggregateSpec("", AggregateFunction.Count, Path());
            case "SUM":
                return new AggregateSpec("", AggregateFunction.Sum, Path());
            case "MIN":
                return new AggregateSpec("", AggregateFunction.Min, Path());
            case "MAX":
                return new AggregateSpec("", AggregateFunction.Max, Path());
            case "AVG":
                return new AggregateSpec("", AggregateFunction.Avg, Path());
            case "APPROX_COUNT_DISTINCT":
                return new AggregateSpec("", AggregateFunction.CountDistinct, Path());
            case "PERCENTILE" or "PERCENTILE_APPROX" or "APPROX_PERCENTILE":
                var field = Path();
                Expect(",");
                var number = Current.Kind == SqlTokenKind.Number
                    ? double.Parse(Current.Value, CultureInfo.InvariantCulture)
                    : throw new ArgumentException($"{function} takes a field and a number from 0 to 1, e.g. {function}(temp, 0.99).");
                at++;
                return new AggregateSpec("", AggregateFunction.Percentile, field, number);
            default:
                throw new ArgumentException($"function {token.Value} is not supported.");
        }
    }

    private (WindowSpec Window, string TimeField) Window()
    {
        var kind = Current.Value.ToUpperInvariant();
        at++;
        Expect("(");
        if (Current.Is("TABLE") || Current.Is("DESCRIPTOR"))
        {
            throw new ArgumentException("Window table-valued functions (TABLE ..., DESCRIPTOR(...)) are not supported; write GROUP BY ..., TUMBLE(ts, INTERVAL ...).");
        }

        var field = Path();
        Expect(",");
        var first = Interval();
        WindowSpec window;
        if (kind == "HOP")
        {
            Expect(",");
            window = WindowSpec.Hopping(Interval(), first);
        }
        else
        {
            window = kind == "TUMBLE" ? WindowSpec.Tumbling(first) : WindowSpec.Session(first);
        }

        if (Current.Is(","))
        {
            throw new ArgumentException($"A window offset in {kind} is not supported.");
        }

        Expect(")");
        return (window, field);
    }

    private TimeSpan Interval()
    {
        Expect("INTERVAL");
        var token = Current;
        if (token.Kind is not (SqlTokenKind.Text or SqlTokenKind.Number)
            || !long.TryParse(token.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new ArgumentException($"INTERVAL takes a whole number in quotes, e.g. INTERVAL '5' MINUTE; got {token}.");
        }

        at++;
        var unit = Current.Value.ToUpperInvariant();
        at++;
        var length = unit switch
        {
            "MILLISECOND" or "MILLISECONDS" => TimeSpan.FromMilliseconds(n),
            "SECOND" or "SECONDS" => TimeSpan.FromSeconds(n),
            "MINUTE" or "MINUTES" => TimeSpan.FromMinutes(n),
            "HOUR" or "HOURS" => TimeSpan.FromHours(n),
            "DAY" or "DAYS" => TimeSpan.FromDays(n),
            _ => throw new ArgumentException($"The interval unit '{unit}' is not supported (MILLISECOND, SECOND, MINUTE, HOUR, DAY)."),
        };
        if (Current.Is("TO"))
        {
            throw new ArgumentException("Compound intervals (… TO …) are not supported.");
        }

        return length;
    }

    private FilterCondition Condition()
    {
        if (Current.Is("("))
        {
            throw new ArgumentException("Parentheses in WHERE are not supported: write comparisons joined by AND.");
        }

        if (Current.Kind is SqlTokenKind.Word or SqlTokenKind.Quoted && !IsLiteralWord(Current))
        {
            var field = Path();
            var op = Operator();
            return new FilterCondition(field, op, Literal());
        }

        var value = Literal();
        var flipped = Operator() switch
        {
            FilterOperator.Less => FilterOperator.Greater,
            FilterOperator.LessOrEqual => FilterOperator.GreaterOrEqual,
            FilterOperator.Greater => FilterOperator.Less,
            FilterOperator.GreaterOrEqual => FilterOperator.LessOrEqual,
            var same => same,
        };
        return new FilterCondition(Path(), flipped, value);
    }

    private FilterOperator Operator()
    {
        var token = Current;
        if (token.Kind != SqlTokenKind.Symbol)
        {
            throw Refuse(token);
        }

        at++;
        return FilterOperators.Parse(token.Value);
    }

    private object Literal()
    {
        var token = Current;
        var negative = false;
        if (token.Is("-"))
        {
            negative = true;
            at++;
            token = Current;
        }

        at++;
        return token.Kind switch
        {
            SqlTokenKind.Number => (negative ? -1 : 1) * double.Parse(token.Value, CultureInfo.InvariantCulture),
            SqlTokenKind.Text when !negative => token.Value,
            SqlTokenKind.Word when !negative && token.Is("TRUE") => true,
            SqlTokenKind.Word when !negative && token.Is("FALSE") => false,
            _ => throw new ArgumentException($"WHERE compares a field with a number, a 'text' or TRUE/FALSE; got {token}."),
        };
    }

    private string Path()
    {
        var parts = new List<string> { Identifier() };
        while (Accept("."))
        {
            parts.Add(Identifier());
        }

        return string.Join('.', parts);
    }

    private string Identifier()
    {
        var token = Current;
        if (token.Kind == SqlTokenKind.Quoted || token.Kind == SqlTokenKind.Word && !IsClause(token))
        {
            if (token.Kind == SqlTokenKind.Word && tokens[at + 1].Is("(") )
            {
                throw new ArgumentException($"function {token.Value} is not supported here.");
            }

            at++;
            return token.Value;
        }

        throw Refuse(token);
    }

    private string? Alias()
    {
        if (Accept("AS"))
        {
            return Identifier();
        }

        return Current.Kind == SqlTokenKind.Quoted || Current.Kind == SqlTokenKind.Word && !IsClause(Current) ? Identifier() : null;
    }

    private void SkipParenthesised()
    {
        Expect("(");
        var depth = 1;
        while (depth > 0)
        {
            if (Current.Kind == SqlTokenKind.End)
            {
                throw new ArgumentException("A parenthesis is not closed.");
            }

            depth += Current.Is("(") ? 1 : Current.Is(")") ? -1 : 0;
            at++;
        }
    }

    private static string DefaultName(AggregateSpec spec)
    {
        var field = spec.Field?[(spec.Field.LastIndexOf('.') + 1)..];
        var function = spec.Function switch
        {
            AggregateFunction.CountDistinct => "count_distinct",
            AggregateFunction.Percentile => "p" + (spec.Percentile!.Value * 100).ToString("0.##", CultureInfo.InvariantCulture).Replace('.', '_'),
            var f => f.ToString().ToLowerInvariant(),
        };
        return field is null ? function : $"{function}_{field}";
    }

    private static bool IsClause(SqlToken token) => token.Kind == SqlTokenKind.Word
        && (token.Is("FROM") || token.Is("WHERE") || token.Is("GROUP") || token.Is("AND") || token.Is("AS") || token.Is("BY")
            || token.Is("SELECT") || token.Is("DISTINCT") || Unsupported.Any(token.Is));

    private static bool IsLiteralWord(SqlToken token) => token.Is("TRUE") || token.Is("FALSE");

    private bool Accept(string word)
    {
        if (Current.Is(word))
        {
            at++;
            return true;
        }

        return false;
    }

    private void Expect(string word)
    {
        if (!Accept(word))
        {
            throw Refuse(Current, word);
        }
    }

    private static ArgumentException Refuse(SqlToken token, string? expected = null)
    {
        var word = token.Value.ToUpperInvariant();
        if (token.Kind == SqlTokenKind.Word && Unsupported.Contains(word))
        {
            return new ArgumentException($"{word} is not supported.");
        }

        return new ArgumentException(expected is null
            ? $"Unexpected {token} at position {token.Position}."
            : $"Expected {expected} but found {token} at position {token.Position}.");
    }
}
