using System.Globalization;
using System.Text;

namespace Spillway.Aggregations.Internal;

internal enum SqlTokenKind
{
    Word,
    Quoted,
    Number,
    Text,
    Symbol,
    End,
}

internal readonly record struct SqlToken(SqlTokenKind Kind, string Value, int Position)
{
    public bool Is(string word) => Kind == SqlTokenKind.Word && Value.Equals(word, StringComparison.OrdinalIgnoreCase)
        || Kind == SqlTokenKind.Symbol && Value == word;

    public override string ToString() => Kind == SqlTokenKind.End ? "the end of the query" : $"'{Value}'";
}

internal static class SqlLexer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Word, sql[start..i], start));
            }
            else if (char.IsDigit(c) || (c == '.' && i + 1 < sql.Length && char.IsDigit(sql[i + 1])))
            {
                while (i < sql.Length && (char.IsDigit(sql[i]) || sql[i] is '.' or 'e' or 'E'
                    || (sql[i] is '+' or '-' && sql[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                if (!double.TryParse(sql.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    throw new ArgumentException($"'{sql[start..i]}' at position {start} is not a number.");
                }

                tokens.Add(new SqlToken(SqlTokenKind.Number, sql[start..i], start));
            }
            else if (c is '\'' or '"' or '`')
            {
                var text = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= sql.Length)
                    {
                        throw new ArgumentException($"The quote opened at position {start} is not closed.");
                    }

                    if (sql[i] == c)
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == c)
                        {
                            text.Append(c);
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    text.Append(sql[i++]);
                }

                tokens.Add(new SqlToken(c == '\'' ? SqlTokenKind.Text : SqlTokenKind.Quoted, text.ToString(), start));
            }
            else
            {
                var two = i + 1 < sql.Length ? sql.Substring(i, 2) : null;
                if (two is "<=" or ">=" or "<>" or "!=" or "==" or "||")
                {
                    tokens.Add(new SqlToken(SqlTokenKind.Symbol, two, start));
                    i += 2;
                }
                else if ("(),*=<>.;-+/%".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(new SqlToken(SqlTokenKind.Symbol, c.ToString(), start));
                    i++;
                }
                else
                {
                    throw new ArgumentException($"The character '{c}' at position {start} is not supported.");
                }
            }
        }

        tokens.Add(new SqlToken(SqlTokenKind.End, "", sql.Length));
        return tokens;
    }
}
