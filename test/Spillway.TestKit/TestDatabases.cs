using System.Diagnostics;

namespace Spillway.TestKit;

/// <summary>
/// The real PostgreSQL and MariaDB servers that <c>./test.sh</c> starts, found through SPILLWAY_TEST_POSTGRES and
/// SPILLWAY_TEST_MYSQL. Each caller gets its own fresh database, so test classes never see each other's rows.
/// Databases are created with the servers' own command-line clients, which keeps this kit free of driver packages.
/// A test that needs a server and finds no variable fails with a message saying to run ./test.sh.
/// </summary>
public static class TestDatabases
{
    public const string PostgresVariable = "SPILLWAY_TEST_POSTGRES";
    public const string MySqlVariable = "SPILLWAY_TEST_MYSQL";
    public const string PostgresBinVariable = "SPILLWAY_TEST_PG_BIN";

    /// <summary>URL of the shared PostgreSQL test database.</summary>
    public static string PostgresUrl => Require(PostgresVariable);

    /// <summary>URL of the shared MariaDB test database.</summary>
    public static string MySqlUrl => Require(MySqlVariable);

    /// <summary>Creates an empty PostgreSQL database and returns its URL.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string prefix = "t")
    {
        var server = ServerUrl.Parse(PostgresUrl);
        var name = UniqueName(prefix);
        await PsqlAsync(server, $"CREATE DATABASE {name}").ConfigureAwait(false);
        return server.WithDatabase(name);
    }

    /// <summary>Creates an empty MariaDB database (utf8mb4) and returns its URL.</summary>
    public static async Task<string> CreateMySqlDatabaseAsync(string prefix = "t")
    {
        var server = ServerUrl.Parse(MySqlUrl);
        var name = UniqueName(prefix);
        await MariaDbAsync(server, $"CREATE DATABASE {name} CHARACTER SET utf8mb4").ConfigureAwait(false);
        return server.WithDatabase(name);
    }

    /// <summary>Drops a database made by this kit; connections still open to it are ended.</summary>
    public static Task DropDatabaseAsync(string url)
    {
        var target = ServerUrl.Parse(url);
        return target.Scheme is "mysql" or "mariadb"
            ? MariaDbAsync(target with { Database = "mysql" }, $"DROP DATABASE IF EXISTS {target.Database}")
            : PsqlAsync(target with { Database = "postgres" }, $"DROP DATABASE IF EXISTS {target.Database} WITH (FORCE)");
    }

    /// <summary>Runs SQL through psql and returns its unaligned output.</summary>
    public static Task<string> PsqlAsync(string url, string sql) => PsqlAsync(ServerUrl.Parse(url), sql);

    /// <summary>Runs SQL through the mariadb client and returns its tab-separated output.</summary>
    public static Task<string> MariaDbAsync(string url, string sql) => MariaDbAsync(ServerUrl.Parse(url), sql);

    private static Task<string> PsqlAsync(ServerUrl server, string sql)
    {
        var bin = Environment.GetEnvironmentVariable(PostgresBinVariable);
        var psql = string.IsNullOrEmpty(bin) ? "psql" : Path.Combine(bin, "psql");
        return RunAsync(psql, ["-h", server.Host, "-p", server.Port.ToString(), "-U", server.User, "-d", server.Database,
            "-v", "ON_ERROR_STOP=1", "-X", "-q", "-t", "-A", "-c", sql], ("PGPASSWORD", server.Password));
    }

    private static Task<string> MariaDbAsync(ServerUrl server, string sql) =>
        RunAsync("mariadb", ["--no-defaults", "-h", server.Host, "-P", server.Port.ToString(), "-u", server.User,
            "-D", server.Database, "-N", "-B", "-e", sql], ("MYSQL_PWD", server.Password));

    private static async Task<string> RunAsync(string program, string[] arguments, (string Name, string Value) secret)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The password goes through the environment, never the command line that `ps` shows.
        start.Environment[secret.Name] = secret.Value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var message = await error.ConfigureAwait(false);
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {message}");
        }

        return (await output.ConfigureAwait(false)).Trim();
    }

    private static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set. Run the tests through ./test.sh, which starts PostgreSQL and MariaDB and sets it.");

    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)].ToLowerInvariant();

    private sealed record ServerUrl(string Scheme, string User, string Password, string Host, int Port, string Database)
    {
        public static ServerUrl Parse(string url)
        {
            var uri = new Uri(url);
            var userInfo = uri.UserInfo.Split(':', 2);
            return new ServerUrl(uri.Scheme, Uri.UnescapeDataString(userInfo[0]),
                userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "", uri.Host, uri.Port, uri.AbsolutePath.Trim('/'));
        }

        public string WithDatabase(string database) =>
            $"{Scheme}://{Uri.EscapeDataString(User)}:{Uri.EscapeDataString(Password)}@{Host}:{Port}/{database}";
    }
}
