using Microsoft.AspNetCore.Server.Kestrel.Core;
using Spillway.Cli;
using Spillway.Gateway;
using Spillway.Operations.Alarms;
using Spillway.Processing;

namespace Spillway.Hosting;

/// <summary>Builds and runs the server: configuration, storage, sinks, workers and HTTP endpoints.</summary>
internal static class SpillwayServer
{
    private const string DefaultUrls = "http://localhost:8080";

    public static async Task<int> RunAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            var (app, parts) = await BuildAsync(arguments, HandlerRegistry.Default, cancellationToken).ConfigureAwait(false);
            await using (parts.ConfigureAwait(false))
            await using (app.ConfigureAwait(false))
            {
                await app.RunAsync().ConfigureAwait(false);
            }

            return 0;
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync("spillway: " + e.Message).ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>Reads and validates the configuration, opens the server's parts and maps its endpoints; the background
    /// services start with the application and the workers stop with it.</summary>
    internal static async Task<(WebApplication App, ServerParts Parts)> BuildAsync(
        ServeArguments arguments, HandlerRegistry? registry, CancellationToken cancellationToken)
    {
        // No configuration reload: its file watcher would watch the working directory, where ./data lives, and wake
        // on every segment write.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. arguments.Extra],
        });
        ConfigureSources(builder.Configuration, arguments);

        var options = new SpillwayOptions();
        if (DefaultConfiguration.AppliesTo(builder.Configuration))
        {
            DefaultConfiguration.Seed(options);
        }

        try
        {
            builder.Configuration.GetSection(SpillwayOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the value it could not convert.
            throw new ConfigurationException(SpillwayOptions.SectionName, e.Message);
        }

        var resolved = ConfigurationResolver.Resolve(options, DatabaseUrlFromEnvironment(arguments.DatabaseUrl)) with
        {
            Aggregations = ReadAggregations(builder.Configuration.GetSection($"{SpillwayOptions.SectionName}:Aggregations")),
        };
        resolved = TransportSetup.Apply(resolved, arguments.Transport ?? options.Transport, arguments.Role ?? options.Role);
        var alarms = ResolvedAlarms.Resolve(
            options.Alarms,
            resolved.Queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal),
            resolved.Sinks.Select(s => s.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
            resolved.Workers.Where(w => w.Stream is not null).Select(w => w.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
            resolved.Topics.Select(t => t.Definition.Name).ToHashSet(StringComparer.Ordinal)) with
        {
            Account = new Aws.AwsAccount { AccountId = options.Sqs.AccountId, Region = options.Sqs.Region },
        };
        var urls = (arguments.Urls ?? builder.Configuration["urls"] ?? DefaultUrls)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        options.Gateway.AllowUnauthenticatedRemote |= arguments.AllowUnauthenticatedRemote;
        try
        {
            options.Gateway.EnsureSafeToListen(urls, $"{SpillwayOptions.SectionName}:Gateway");
        }
        catch (GatewayConfigurationException e)
        {
            throw ConfigurationException.From(e);
        }

        var sqsRefusal = SqsHosting.Configure(options, urls);
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ConfigureLimits(kestrel.Limits);
            CleartextHttp2.Use(kestrel);
        });
        options.Logging.Apply(builder.Logging, $"{SpillwayOptions.SectionName}:Logging");
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        var app = builder.Build();
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        ServerParts parts;
        Sns.SnsNotifications? notifications;
        try
        {
            notifications = SnsHosting.Open(options, resolved.DataDirectory, app);
            parts = await ServerBuilder.OpenAsync(
                options,
                resolved,
                alarms,
                registry,
                loggerFactory,
                app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                TimeProvider.System,
                notifications?.Renderer,
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            EndpointMap.Map(app, parts, options, resolved, sqsRefusal, notifications);
        }
        catch (Exception e) when (e is GatewayConfigurationException or ConfigurationException)
        {
            await parts.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw e as ConfigurationException ?? ConfigurationException.From((GatewayConfigurationException)e);
        }

        var lifetime = app.Lifetime;
        lifetime.ApplicationStarted.Register(() => parts.Start(lifetime.ApplicationStopping));
        lifetime.ApplicationStopping.Register(() => parts.Workers.StopAsync().GetAwaiter().GetResult());
        LogMessages.Serving(loggerFactory.CreateLogger("Spillway"), string.Join(", ", urls), resolved.DataDirectory);
        return (app, parts);
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
            var defaultFile = Path.Combine(Directory.GetCurrentDirectory(), "spillway.json");
            configuration.AddJsonFile(defaultFile, optional: true, reloadOnChange: false);
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

    /// <summary>Each <c>Spillway:Aggregations:&lt;name&gt;</c> section as a declaration; a bad one is refused under its key.</summary>
    private static List<Aggregations.AggregationDeclaration> ReadAggregations(IConfigurationSection section)
    {
        var declarations = new List<Aggregations.AggregationDeclaration>();
        foreach (var child in section.GetChildren())
        {
            try
            {
                declarations.Add(Aggregations.AggregationDeclaration.Parse(Aggregations.AggregationDeclaration.JsonOf(child), fromConfiguration: true));
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(child.Path, e.Message);
            }
        }

        return declarations;
    }
}
