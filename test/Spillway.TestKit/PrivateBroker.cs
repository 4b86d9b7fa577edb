namespace Spillway.TestKit;

/// <summary>
/// A RabbitMQ node of a test's own (scripts/rabbitmq.sh in a directory of its own), for a test that stops and starts
/// the broker: stopping the node every other test project shares would fail those tests, which run at the same time.
/// </summary>
public sealed class PrivateBroker : IAsyncDisposable
{
    private readonly string directory;
    private readonly string ctl;

    private PrivateBroker(string directory, Uri amqpUrl, string ctl)
    {
        this.directory = directory;
        AmqpUrl = amqpUrl;
        this.ctl = ctl;
    }

    /// <summary>The node's URL on its default virtual host.</summary>
    public Uri AmqpUrl { get; }

    /// <summary>
    /// Starts the node and waits until it accepts commands. The script picks free ports just before the node binds them,
    /// and a process running beside the tests can take one in between: a start that fails is tried again on new ports.
    /// </summary>
    public static async Task<PrivateBroker> StartAsync()
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("spillway-rabbitmq-").FullName;
            try
            {
                await RunAsync("start", directory).ConfigureAwait(false);
                var settings = File.ReadAllLines(Path.Combine(directory, "env"))
                    .Select(line => line.Replace("export ", "", StringComparison.Ordinal).Split('=', 2))
                    .ToDictionary(pair => pair[0], pair => pair[1]);
                return new PrivateBroker(directory, new Uri(settings[TestBroker.AmqpVariable]), settings[TestBroker.CtlVariable]);
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
                await RunAsync("stop", directory).ConfigureAwait(false);
                Directory.Delete(directory, recursive: true);
            }
            catch
            {
                await RunAsync("stop", directory).ConfigureAwait(false);
                Directory.Delete(directory, recursive: true);
                throw;
            }
        }
    }

    /// <summary>Runs rabbitmqctl against this node (<c>stop_app</c>, <c>start_app</c>…) and returns its output.</summary>
    public Task<string> CtlAsync(params string[] arguments) => TestBroker.RunAsync(ctl, "rabbitmqctl", arguments);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop", directory).ConfigureAwait(false);
        Directory.Delete(directory, recursive: true);
    }

    private static Task RunAsync(string command, string directory) =>
        TestBroker.RunAsync(Path.Combine(SpillwayPaths.RepositoryRoot, "scripts", "rabbitmq.sh"), "scripts/rabbitmq.sh", command, directory);
}
