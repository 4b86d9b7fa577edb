using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Spillway.TestKit;

/// <summary>
/// A throwaway PostgreSQL server of a test's own, which the test may stop and start (pg_ctl) without disturbing the
/// server other tests share. Uses the binaries in SPILLWAY_TEST_PG_BIN (set by ./test.sh); as root it runs them as
/// the postgres user, which is what the server insists on.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string bin;
    private readonly string directory;
    private readonly bool asRoot = Environment.UserName == "root";

    private PrivatePostgres(string bin, string directory, int port)
    {
        this.bin = bin;
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>URL of the server's <c>postgres</c> database.</summary>
    public string Url => $"postgresql://spillway:spillway@127.0.0.1:{Port}/postgres";

    /// <summary>Creates the cluster and starts it.</summary>
    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable(TestDatabases.PostgresBinVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{TestDatabases.PostgresBinVariable} is not set. Run the tests through ./test.sh, which starts PostgreSQL and sets it.");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("A private PostgreSQL needs Linux, as ./test.sh does.");
        }

        var directory = Directory.CreateTempSubdirectory("spillway-pg-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // the server's user must reach its data directory
        var server = new PrivatePostgres(bin, directory, FreePort());
        if (server.asRoot)
        {
            await RunAsync("chown", ["postgres:", directory]).ConfigureAwait(false);
        }

        // No fsync: this cluster lives for one test and its durability is not what the test is about.
        await server.RunAsPostgresAsync("initdb", ["-D", server.DataDirectory, "-U", "spillway", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync"]).ConfigureAwait(false);
        await server.StartServerAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts the stopped server and waits until it accepts connections.</summary>
    public Task StartServerAsync() => RunAsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w",
        "-o", $"-p {Port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);

    /// <summary>Stops the server; <c>fast</c> ends every session at once, as an operator's restart would.</summary>
    public Task StopServerAsync() => RunAsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(directory, recursive: true);
    }

    private string DataDirectory => Path.Combine(directory, "data");

    private Task RunAsPostgresAsync(string program, string[] arguments) =>
        asRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, program), .. arguments])
            : RunAsync(Path.Combine(bin, program), arguments);

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var message = await error.ConfigureAwait(false) + await output.ConfigureAwait(false);
            throw new InvalidOperationException($"{string.Join(' ', arguments.Prepend(program))} failed ({process.ExitCode}): {message}");
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
