using System.Globalization;

namespace Spillway.Sinks;

/// <summary>
/// A parsed database URL: <c>postgresql://user:pass@host:port/db</c> (also <c>postgres://</c>),
/// <c>mysql://user:pass@host:port/db</c> (also <c>mariadb://</c>), <c>sqlite:///absolute/path</c> or
/// <c>sqlite://relative/path</c>. User and password are percent-decoded. The password is never part of
/// <see cref="ToString"/> or of an error message.
/// </summary>
public sealed class DatabaseUrl
{
    /// <summary>Provider name of PostgreSQL URLs.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>Provider name of MySQL and MariaDB URLs.</summary>
    public const string MySql = "mysql";

    /// <summary>Provider name of SQLite URLs.</summary>
    public const string Sqlite = "sqlite";

    private static readonly Dictionary<string, string> Schemes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["postgresql"] = PostgreSql,
        ["postgres"] = PostgreSql,
        ["mysql"] = MySql,
        ["mariadb"] = MySql,
        ["sqlite"] = Sqlite,
    };

    private static readonly HashSet<string> ServerOptions = new(StringComparer.Ordinal)
    {
        "sslmode", "connect_timeout", "command_timeout",
    };

    private DatabaseUrl(string provider) => Provider = provider;

    /// <summary>"postgresql", "mysql" or "sqlite".</summary>
    public string Provider { get; }

    /// <summary>Server host name or address; null for SQLite.</summary>
    public string? Host { get; private init; }

    /// <summary>Server port (the provider's default when the URL has none); null for SQLite.</summary>
    public int? Port { get; private init; }

    /// <summary>Database name; null for SQLite.</summary>
    public string? Database { get; private init; }

    /// <summary>User name, percent-decoded; null when the URL has none.</summary>
    public string? User { get; private init; }

    /// <summary>Password, percent-decoded. Internal so that it cannot be logged by accident.</summary>
    internal string? Password { get; private init; }

    /// <summary>Full path of the SQLite file; null for server databases.</summary>
    public string? FilePath { get; private init; }

    /// <summary>
    /// Query-string options. Server databases accept <c>sslmode</c>, <c>connect_timeout</c> and
    /// <c>command_timeout</c> (seconds); anything else is rejected so that a typo does not go unnoticed.
    /// </summary>
    public IReadOnlyDictionary<string, string> Options { get; private init; } = new Dictionary<string, string>();

    /// <summary>
    /// Parses a database URL; a relative SQLite path resolves against <paramref name="baseDirectory"/> (the current
    /// directory when null). Throws <see cref="ArgumentException"/> naming what is wrong, never echoing the password.
    /// </summary>
    public static DatabaseUrl Parse(string url, string? baseDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw Bad("is empty");
        }

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw Bad("has no scheme; expected postgresql://, mysql:// or sqlite://");
        }

        var scheme = url[..schemeEnd];
        if (!Schemes.TryGetValue(scheme, out var provider))
        {
            throw Bad(scheme.All(char.IsAsciiLetterOrDigit)
                ? $"has the unsupported scheme '{scheme}'; expected postgresql://, mysql:// or sqlite://"
                : "has an unsupported scheme; expected postgresql://, mysql:// or sqlite://");
        }

        var rest = url[(schemeEnd + 3)..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryStart < 0 ? "" : rest[(queryStart + 1)..];
        rest = queryStart < 0 ? rest : rest[..queryStart];
        var options = ParseQuery(query, provider);

        return provider == Sqlite ? ParseSqlite(rest, baseDirectory, options) : ParseServer(provider, rest, options);
    }

    /// <summary>The URL with the password replaced by <c>***</c>.</summary>
    public override string ToString()
    {
        if (Provider == Sqlite)
        {
            return "sqlite://" + FilePath;
        }

        var user = User is null ? "" : Uri.EscapeDataString(User) + (Password is null ? "" : ":***") + "@";
        var host = Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        return $"{Provider}://{user}{host}:{Port}/{Database}";
    }

    /// <summary>A query-string option in whole seconds, or the fallback.</summary>
    internal TimeSpan SecondsOption(string key, TimeSpan fallback) =>
        Options.TryGetValue(key, out var text) ? TimeSpan.FromSeconds(int.Parse(text, CultureInfo.InvariantCulture)) : fallback;

    private static DatabaseUrl ParseSqlite(string rest, string? baseDirectory, Dictionary<string, string> options)
    {
        if (options.Count > 0)
        {
            throw Bad($"has the query option '{options.Keys.First()}', which SQLite URLs do not take");
        }

        var path = Uri.UnescapeDataString(rest);
        if (path.Length == 0 || path == "/")
        {
            throw Bad("has no SQLite file path; expected sqlite:///absolute/path or sqlite://relative/path");
        }

        var full = Path.IsPathRooted(path)
            ? Path.GetFullPath(path)
            : Path.GetFullPath(Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), path));
        if (full.EndsWith(Path.DirectorySeparatorChar))
        {
            throw Bad("names a directory, not a SQLite file");
        }

        return new DatabaseUrl(Sqlite) { FilePath = full, Options = options };
    }

    private static DatabaseUrl ParseServer(string provider, string rest, Dictionary<string, string> options)
    {
        // The last '@' separates user info from the host, so a password with a raw '@' or '/' still parses and
        // nothing after it (host, port, database) can hold a piece of the password that an error message would echo.
        var at = rest.LastIndexOf('@');
        var afterUser = at < 0 ? rest : rest[(at + 1)..];
        var slash = afterUser.IndexOf('/', StringComparison.Ordinal);
        var hostPort = slash < 0 ? afterUser : afterUser[..slash];
        var database = slash < 0 ? "" : Uri.UnescapeDataString(afterUser[(slash + 1)..]);
        string? user = null, password = null;
        if (at >= 0)
        {
            var userInfo = rest[..at];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            if (user.Length == 0)
            {
                throw Bad("has a password but no user name");
            }
        }

        string host;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Bad("has an IPv6 host without its closing ']'");
            }

            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after.StartsWith(':') ? after[1..] : throw Bad("has text after the IPv6 host");
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort[..colon];
            portText = colon < 0 ? null : hostPort[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw Bad("has no host");
        }

        var defaultPort = provider == PostgreSql ? 5432 : 3306;
        var port = defaultPort;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            // Not echoed: in a URL without '@' a mistyped "user:password" would sit where the port is.
            throw Bad("has a port that is not a number from 1 to 65535");
        }

        if (database.Length == 0)
        {
            throw Bad("has no database name; expected …://host:port/database");
        }

        if (database.Contains('/', StringComparison.Ordinal))
        {
            throw Bad($"has the database name '{Truncate(database)}', which contains '/'");
        }

        return new DatabaseUrl(provider)
        {
            Host = host, Port = port, Database = database, User = user, Password = password, Options = options,
        };
    }

    private static Dictionary<string, string> ParseQuery(string query, string provider)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (provider != Sqlite && !ServerOptions.Contains(key))
            {
                throw Bad($"has the unknown query option '{Truncate(key)}'; supported: {string.Join(", ", ServerOptions)}");
            }

            if (key is "connect_timeout" or "command_timeout"
                && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 3600))
            {
                throw Bad($"has {key}='{Truncate(value)}', which is not a whole number of seconds from 1 to 3600");
            }

            options[key] = value;
        }

        return options;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static ArgumentException Bad(string what) => new($"The database URL {what}.", "DatabaseUrl");
}
