using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>SIGKILL during a burst, then restart: every record that got a 2xx is in the table exactly once.</summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Every_acknowledged_record_survives_sigkill_exactly_once(string provider)
    {
        const int cycles = 3;
        var dataDirectory = Path.Combine(work.FullName, "data");
        var database = provider == "sqlite"
            ? TestDatabase.Sqlite(Path.Combine(dataDirectory, "spillway.db"))
            : await TestDatabase.CreateAsync(provider);
        var acknowledged = new ConcurrentDictionary<string, byte>();
        var random = new Random(20261122);

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var server = await SpillwayProcess.StartAsync(dataDirectory, ["--database", database.Url]);
            var killAfter = random.Next(200, 1500);
            await KillDuringLoad.RunAsync(server, 32, killAfter, async (client, i) =>
            {
                var name = $"c{cycle}-{client}-{i}";
                using var response = await server.Client.PostAsJsonAsync("/submit", new { name, email = name + "@example.com" });
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    return SendOutcome.NotAcknowledged;
                }

                acknowledged[name] = 0;
                return SendOutcome.Acknowledged;
            });

            await server.DisposeAsync();
        }

        await using var final = await SpillwayProcess.StartAsync(dataDirectory, ["--database", database.Url]);
        var rows = await database.WaitForUsersAsync(
            r => acknowledged.Keys.All(new HashSet<string>(r.Select(x => x.Name)).Contains), TimeSpan.FromSeconds(90));

        var names = rows.Select(r => r.Name).ToList();
        Assert.True(acknowledged.Count >= cycles * 200, $"only {acknowledged.Count} records were acknowledged");
        var missing = acknowledged.Keys.Except(names).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records are missing, e.g. {string.Join(", ", missing.Take(5))}");
        var doubled = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} records have more than one row, e.g. {string.Join(", ", doubled.Take(5))}");
    }

    public void Dispose() => work.Delete(recursive: true);
}
