using System.CommandLine;
using Spillway.Hosting;

namespace Spillway.Cli;

/// <summary><c>spillway serve</c>: runs the server until SIGINT/SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Listen addresses, e.g. http://localhost:8080 (default)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory for queues and the default SQLite database." };
        var config = new Option<string?>("--config") { Description = "Configuration file (default: spillway.json if present)." };
        var database = new Option<string?>("--database")
        {
            Description = "Database for the default route's sink: postgresql://…, mysql://… or sqlite:///path (also DATABASE_URL).",
        };
        var allowRemote = new Option<bool>("--allow-unauthenticated-remote")
        {
            Description = "Allow listening beyond loopback with no API key configured.",
        };
        var transport = new Option<string?>("--transport")
        {
            Description = "Where the queues live: amqp://user:pass@host:port/vhost for RabbitMQ quorum queues (default: the embedded engine).",
        };
        var role = new Option<string?>("--role") { Description = "What this node runs: all (default), gateway or worker." };
        var command = new Command("serve", "Run the Spillway server.") { urls, dataDir, config, database, allowRemote, transport, role };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => SpillwayServer.RunAsync(
            new ServeArguments(
                result.GetValue(urls),
                result.GetValue(dataDir),
                result.GetValue(config),
                result.GetValue(database),
                result.GetValue(allowRemote),
                [.. result.UnmatchedTokens])
            {
                Transport = result.GetValue(transport),
                Role = result.GetValue(role),
            },
            cancellationToken));
        return command;
    }
}

/// <summary>What <c>spillway serve</c> was given.</summary>
/// <param name="Extra">Unmatched tokens, passed on as configuration (<c>--Spillway:Workers:submit:MaxConcurrency=4</c>).</param>
internal sealed record ServeArguments(
    string? Urls, string? DataDirectory, string? ConfigFile, string? DatabaseUrl, bool AllowUnauthenticatedRemote, string[] Extra)
{
    /// <summary><c>--transport</c>: the broker URL, or null for configuration and then the embedded engine.</summary>
    public string? Transport { get; init; }

    /// <summary><c>--role</c>: all, gateway or worker; null for configuration and then all.</summary>
    public string? Role { get; init; }
}
