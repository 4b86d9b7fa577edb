using Microsoft.Data.Sqlite;
using Spillway.TestKit;

namespace Spillway.Sqs.ClientTests.Support;

/// <summary>A real <c>spillway serve</c> with the seed's pipeline (submit → users in SQLite), shared by one test class.</summary>
public class SqsServer : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-sqs-clients-");
    private SpillwayProcess? process;

    public Uri Endpoint => Process.BaseAddress;

    public SpillwayProcess Process => process ?? throw new InvalidOperationException("not started");

    /// <summary>The keys the clients sign with. Without configured credentials any key is accepted.</summary>
    public virtual string AccessKeyId => "test";

    public virtual string SecretAccessKey => "test";

    /// <summary>Empty values, so credentials in the test runner's own environment cannot switch signing on.</summary>
    protected virtual IDictionary<string, string> Environment => SpillwayProcess.AnySignature();

    private string DataDirectory => Path.Combine(work.FullName, "data");

    public async Task InitializeAsync() => process = await SpillwayProcess.StartAsync(DataDirectory, environment: Environment);

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        work.Delete(recursive: true);
    }

    /// <summary>Waits, polling the real table, until a row of the seed's users table has this name.</summary>
    public async Task<(string Name, string Email)?> WaitForUserAsync(string name, TimeSpan timeout)
    {
        var connection = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, "spillway.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var sqlite = new SqliteConnection(connection);
                await sqlite.OpenAsync();
                await using var command = sqlite.CreateCommand();
                command.CommandText = "select name, email from users where name = $name";
                command.Parameters.AddWithValue("$name", name);
                await using var reader = await command.ExecuteReaderAsync();
                if (await reader.ReadAsync())
                {
                    return (reader.GetString(0), reader.GetString(1));
                }
            }
            catch (SqliteException)
            {
                // The database or the table does not exist until the worker's first write.
            }

            await Task.Delay(100);
        }

        return null;
    }
}

/// <summary>The same server with Signature V4 credentials configured through the environment.</summary>
public sealed class SignedSqsServer : SqsServer
{
    public override string AccessKeyId => "AKIASPILLWAYCLIENTS1";

    public override string SecretAccessKey => "client-tests/secret+key=0123456789";

    protected override IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["SPILLWAY_ACCESS_KEY_ID"] = AccessKeyId,
        ["SPILLWAY_SECRET_ACCESS_KEY"] = SecretAccessKey,
    };
}
