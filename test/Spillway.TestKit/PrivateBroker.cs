using System.Diagnostics;

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

    /// <summary>Starts the node and waits until it accepts commands.</summary>
    public static async Task<PrivateBroker> StartAsync()
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
        catch
        {
            await RunAsync("stop", directory).ConfigureAwait(false);
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Runs rabbitmqctl against this node (<c>stop_app</c>, <c>start_app</c>…) and returns its output.</summary>
    public Task<string> CtlAsync(params string[] arguments) => TestBroker.RunCtlAsync(ctl, arguments);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop", directory).ConfigureAwait(false);
        Directory.Delete(directory, recursive: true);
    }

    private static async Task RunAsync(string command, string directory)
    {
        var start = new ProcessStartInfo(Path.Combine(SpillwayPaths.RepositoryRoot, "scripts", "rabbitmq.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("scripts/rabbitmq.sh did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"scripts/rabbitmq.sh {command} failed ({process.ExitCode}): {await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }
    }
}
