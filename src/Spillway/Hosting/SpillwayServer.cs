using Microsoft.AspNetCore.Server.Kestrel.Core;
using Spillway.Cli;

namespace Spillway.Hosting;

/// <summary>Builds and runs the server: configuration, storage, sinks, workers and HTTP endpoints.</summary>
internal static class SpillwayServer
{
    private const string DefaultUrls = "http://localhost:8080";

    public static async Task<int> RunAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = await BuildAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync("spillway: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync().ConfigureAwait(false);
        }

        return 0;
    }

    internal static async Task<WebApplication> BuildAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = arguments.Extra });
        ConfigureSources(builder.Configuration, arguments);

        var options = new SpillwayOptions();
        try
        {
            builder.Configuration.GetSection(SpillwayOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the value it could not convert.
            throw new ConfigurationException(SpillwayOptions.SectionName, e.Message);
        }

        var resolved = ConfigurationResolver.Resolve(options, DatabaseUrlFromEnvironment(arguments.DatabaseUrl));
        var urls = (arguments.Urls ?? builder.Configuration["urls"] ?? DefaultUrls)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        ListenerSecurity.Check(urls, resolved.ApiKeys.Count > 0, resolved.AllowUnauthenticatedRemote || arguments.AllowUnauthenticatedRemote);
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureLimits(kestrel.Limits));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        var runtime = await SpillwayRuntime.StartAsync(resolved, builder.Services, cancellationToken).ConfigureAwait(false);
        var app = builder.Build();
        runtime.Attach(app);
        return app;
    }

    private static void ConfigureSources(ConfigurationManager configuration, ServeArguments arguments)
    {
        configuration.Sources.Clear();
        if (arguments.ConfigFile is { } file)
        {
            if (!File.Exists(file))
            {
                throw new ConfigurationException("--config", $"file '{file}' does not exist");
            }

            configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        else
        {
            configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "spillway.json"), optional: true, reloadOnChange: false);
        }

        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(arguments.Extra);
        if (arguments.DataDirectory is { } dataDirectory)
        {
            configuration[$"{SpillwayOptions.SectionName}:DataDirectory"] = dataDirectory;
        }
    }

    private static string? DatabaseUrlFromEnvironment(string? fromCommandLine)
    {
        if (!string.IsNullOrWhiteSpace(fromCommandLine))
        {
            return fromCommandLine;
        }

        var url = Environment.GetEnvironmentVariable("DATABASE_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            return url;
        }

        var file = Environment.GetEnvironmentVariable("DATABASE_URL_FILE");
        return string.IsNullOrWhiteSpace(file) ? null : ConfigurationResolver.ReadSecretFile("DATABASE_URL_FILE", file).FirstOrDefault();
    }

    private static void ConfigureLimits(KestrelServerLimits limits)
    {
        // Slow-loris protection stays at Kestrel's defaults; connections are capped so a flood cannot exhaust memory.
        limits.MaxConcurrentConnections = 10_000;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
    }
}
