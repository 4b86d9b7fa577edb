using System.Diagnostics;

namespace Spillway.TestKit;

/// <summary>
/// The private RabbitMQ node that <c>./test.sh</c> starts (scripts/rabbitmq.sh), found through SPILLWAY_TEST_AMQP, and
/// its rabbitmqctl through SPILLWAY_TEST_RABBITMQCTL. A test that needs it and finds no variable fails with a message
/// saying to run ./test.sh.
/// </summary>
public static class TestBroker
{
    public const string AmqpVariable = "SPILLWAY_TEST_AMQP";
    public const string CtlVariable = "SPILLWAY_TEST_RABBITMQCTL";

    /// <summary>The node's URL on the default virtual host, <c>amqp://guest:guest@127.0.0.1:PORT/</c>.</summary>
    public static Uri AmqpUrl => new(Require(AmqpVariable));

    /// <summary>Creates a virtual host of its own for a test (guest may use it) and returns its URL.</summary>
    public static async Task<Uri> CreateVirtualHostAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        await CtlAsync("add_vhost", name).ConfigureAwait(false);
        await CtlAsync("set_permissions", "-p", name, "guest", ".*", ".*", ".*").ConfigureAwait(false);
        return new Uri(AmqpUrl, Uri.EscapeDataString(name));
    }

    /// <summary>Runs rabbitmqctl against the node (<c>list_queues</c>, <c>delete_vhost</c>…) and returns its output; throws
    /// when it fails. A test that stops the broker uses a <see cref="PrivateBroker"/> instead.</summary>
    public static Task<string> CtlAsync(params string[] arguments) => RunAsync(Require(CtlVariable), "rabbitmqctl", arguments);

    /// <summary>Runs <paramref name="program"/> (named <paramref name="name"/> in errors) and returns its output; throws
    /// when it exits non-zero or runs past three minutes.</summary>
    internal static async Task<string> RunAsync(string program, string name, params string[] arguments)
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

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{name} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }

        return await stdout.ConfigureAwait(false);
    }

    private static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run the tests through ./test.sh, which starts a private RabbitMQ node.");
}
