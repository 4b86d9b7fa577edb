using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Spillway.Drain.Bench;

/// <summary>
/// The database under test, driven through its own command-line client: the same tool that measures the baseline
/// (<c>psql \copy</c>, <c>LOAD DATA LOCAL INFILE</c>) sets up and counts the tables, so the benchmark needs no driver
/// of its own. The password goes through the client's environment, never its arguments.
/// </summary>
internal abstract class BaselineDatabase
{
    private readonly Uri url;

    protected BaselineDatabase(string url)
    {
        this.url = new Uri(url);
        var user = this.url.UserInfo.Split(':', 2);
        User = Uri.UnescapeDataString(user[0]);
        Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "";
    }

    /// <summary>What the baseline is called in the report.</summary>
    public abstract string BaselineName { get; }

    protected string Host => url.Host;

    protected string Port => url.Port.ToString(CultureInfo.InvariantCulture);

    protected string Database => url.AbsolutePath.Trim('/');

    protected string User { get; }

    protected string Password { get; }

    public static BaselineDatabase For(DrainSettings settings) => settings.DatabaseUrl.Split(':')[0] switch
    {
        "postgresql" or "postgres" => new PostgreSqlBaseline(settings.DatabaseUrl),
        "sqlite" => new SqliteBaseline(settings.DatabaseUrl),
        _ => new MariaDbBaseline(settings.DatabaseUrl),
    };

    /// <summary>The CSV line of one row (id, name, email, created_at) as this database's bulk load reads it.</summary>
    public abstract string CsvLine(Guid id, string name, string email, DateTime createdAt);

    /// <summary>Drops and recreates <paramref name="table"/> with the shape (columns, keys, types) of <paramref name="like"/>.</summary>
    public abstract Task CreateLikeAsync(string table, string like);

    /// <summary>Writes what is dirty to disk, so a measurement does not pay for the one before it.</summary>
    public abstract Task SettleAsync();

    /// <summary>Loads the CSV file into the table with the database's own bulk load, through its own client.</summary>
    public abstract Task LoadAsync(string table, string csvPath);

    public virtual Task TruncateAsync(string table) => RunAsync($"TRUNCATE TABLE {table}");

    public async Task<long> CountAsync(string table) =>
        long.Parse((await RunAsync($"SELECT count(*) FROM {table}")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Runs one statement (or client command) and returns what the client printed.</summary>
    public abstract Task<string> RunAsync(string command);

    protected static async Task<string> RunClientAsync(string program, IEnumerable<string> arguments, string? passwordVariable, string password)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (passwordVariable is not null)
        {
            start.Environment[passwordVariable] = password;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{Path.GetFileName(program)} failed: {await error}");
    }
}

internal sealed class PostgreSqlBaseline(string url) : BaselineDatabase(url)
{
    public override string BaselineName => "psql \\copy";

    public override string CsvLine(Guid id, string name, string email, DateTime createdAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{id},{name},{email},{createdAt:yyyy-MM-dd HH:mm:ss.ffffff}+00");

    public override Task CreateLikeAsync(string table, string like) =>
        RunAsync($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE {like} INCLUDING ALL)");

    public override Task SettleAsync() => RunAsync("CHECKPOINT");

    public override Task LoadAsync(string table, string csvPath) =>
        RunAsync($"\\copy {table} (id, name, email, created_at) from '{csvPath}' csv");

    public override Task<string> RunAsync(string command)
    {
        var bin = Environment.GetEnvironmentVariable("SPILLWAY_TEST_PG_BIN");
        return RunClientAsync(
            string.IsNullOrEmpty(bin) ? "psql" : Path.Combine(bin, "psql"),
            ["-h", Host, "-p", Port, "-U", User, "-d", Database, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", command],
            "PGPASSWORD",
            Password);
    }
}

internal sealed class MariaDbBaseline(string url) : BaselineDatabase(url)
{
    public override string BaselineName => "LOAD DATA LOCAL INFILE";

    public override string CsvLine(Guid id, string name, string email, DateTime createdAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{id},{name},{email},{createdAt:yyyy-MM-dd HH:mm:ss.ffffff}");

    public override Task CreateLikeAsync(string table, string like) =>
        RunAsync($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} LIKE {like}");

    public override Task SettleAsync() => RunAsync("FLUSH TABLES");

    public override Task LoadAsync(string table, string csvPath) => RunAsync(
        $"LOAD DATA LOCAL INFILE '{csvPath}' INTO TABLE {table} CHARACTER SET utf8mb4 "
        + "FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' (id, name, email, created_at)");

    public override Task<string> RunAsync(string command) => RunClientAsync(
        "mariadb",
        ["--no-defaults", "--local-infile=1", "--default-character-set=utf8mb4", "-h", Host, "-P", Port, "-u", User,
            "-D", Database, "-N", "-B", "-e", command],
        "MYSQL_PWD",
        Password);
}

/// <summary>SQLite, the embedded default, against the sqlite3 shell's CSV import into the same file.</summary>
internal sealed class SqliteBaseline(string url) : BaselineDatabase(url)
{
    private readonly string file = url["sqlite://".Length..];

    public override string BaselineName => "sqlite3 .import";

    public override string CsvLine(Guid id, string name, string email, DateTime createdAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{id},{name},{email},{createdAt:yyyy-MM-dd HH:mm:ss.fffffff}");

    public override async Task CreateLikeAsync(string table, string like)
    {
        var create = (await RunAsync($"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{like}'")).Trim();
        var open = create.IndexOf('(', StringComparison.Ordinal);
        await RunAsync($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} {create[open..]}");
    }

    public override Task TruncateAsync(string table) => RunAsync($"DELETE FROM {table}");

    public override Task SettleAsync() => RunAsync("PRAGMA wal_checkpoint(TRUNCATE)");

    // The sink's durability: WAL, and an fsync at the commit.
    public override Task LoadAsync(string table, string csvPath) =>
        RunAsync("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", $".import --csv {csvPath} {table}");

    public override Task<string> RunAsync(string command) => RunAsync(command, null);

    private Task<string> RunAsync(string command, string? then) => RunClientAsync(
        "sqlite3", then is null ? ["-batch", "-cmd", ".timeout 30000", file, command] : ["-batch", "-cmd", ".timeout 30000", file, command, then],
        passwordVariable: null, "");
}

/// <summary>The burst: the same rows as NDJSON request bodies for Spillway and as a CSV file for the baseline.</summary>
internal sealed class Burst
{
    private Burst(IReadOnlyList<byte[]> bodies, string csvPath)
    {
        Bodies = bodies;
        CsvPath = csvPath;
    }

    public IReadOnlyList<byte[]> Bodies { get; }

    public string CsvPath { get; }

    public static async Task<Burst> CreateAsync(DrainSettings settings, BaselineDatabase database, string directory)
    {
        var bodies = new List<byte[]>();
        var body = new StringBuilder();
        var csvPath = Path.Combine(directory, "burst.csv");
        var createdAt = DateTime.UtcNow;
        await using var csv = new StreamWriter(csvPath, append: false, new UTF8Encoding(false));
        for (var i = 0; i < settings.Records; i++)
        {
            var name = "user " + i.ToString(CultureInfo.InvariantCulture);
            var email = "user" + i.ToString(CultureInfo.InvariantCulture) + "@example.com";
            body.Append("{\"name\":\"").Append(name).Append("\",\"email\":\"").Append(email).Append("\"}\n");
            if ((i + 1) % settings.PerRequest == 0 || i == settings.Records - 1)
            {
                bodies.Add(Encoding.UTF8.GetBytes(body.ToString()));
                body.Clear();
            }

            // Time-ordered ids, as Spillway's message ids are, so both sides insert into the primary key alike.
            await csv.WriteAsync(database.CsvLine(Guid.CreateVersion7(), name, email, createdAt.AddTicks(i * 10L)) + "\n");
        }

        return new Burst(bodies, csvPath);
    }
}
