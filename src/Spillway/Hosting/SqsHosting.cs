using Spillway.Gateway;
using Spillway.Messaging;
using Spillway.Sqs;

namespace Spillway.Hosting;

/// <summary>The SQS API on the main listener: its settings (<c>Spillway:Sqs</c>), its listener rule and its mapping.</summary>
internal static class SqsHosting
{
    /// <summary>
    /// Completes and validates the SQS settings; credentials may come from <c>SPILLWAY_ACCESS_KEY_ID</c> and
    /// <c>SPILLWAY_SECRET_ACCESS_KEY</c>. Returns why the API must refuse requests, or null when it may serve them:
    /// without credentials it is served only under the gateway's rule for unauthenticated access (loopback listeners,
    /// or AllowUnauthenticatedRemote). The gateway's API keys do not count here, since SQS clients cannot send them.
    /// </summary>
    public static string? Configure(SpillwayOptions options, string[] urls)
    {
        var sqs = options.Sqs;
        var keyId = Environment.GetEnvironmentVariable("SPILLWAY_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("SPILLWAY_SECRET_ACCESS_KEY");
        if (!string.IsNullOrEmpty(keyId) || !string.IsNullOrEmpty(secret))
        {
            sqs.AccessKeyId = keyId;
            sqs.SecretAccessKey = secret;
        }

        try
        {
            sqs.Validate($"{SpillwayOptions.SectionName}:Sqs");
        }
        catch (SqsConfigurationException e)
        {
            throw new ConfigurationException(e.Key, e.Problem);
        }

        if (!sqs.Enabled || sqs.HasCredentials)
        {
            return null;
        }

        try
        {
            new GatewayOptions { AllowUnauthenticatedRemote = options.Gateway.AllowUnauthenticatedRemote }.EnsureSafeToListen(urls);
            return null;
        }
        catch (GatewayConfigurationException)
        {
            return "The SQS API is not served without credentials on a listener beyond loopback: set Spillway:Sqs:AccessKeyId and "
                + "SecretAccessKey (or SPILLWAY_ACCESS_KEY_ID and SPILLWAY_SECRET_ACCESS_KEY), or allow unauthenticated remote access.";
        }
    }

    /// <summary>Maps the API over the engine's queues, with the configuration's queues protected from DeleteQueue.</summary>
    public static void Map(WebApplication app, QueueEngine engine, ResolvedConfiguration configuration, SqsOptions sqs, string? refusal) =>
        app.MapSqsApi(engine, sqs, new SqsApiSettings
        {
            ConfiguredQueues = ConfiguredQueues(configuration),
            StateDirectory = Path.Combine(configuration.DataDirectory, "sqs"),
            RefusalReason = refusal,
        });

    /// <summary>The queues the configuration owns, each with the key that defines it (a route or worker before the queue entry).</summary>
    private static Dictionary<string, string> ConfiguredQueues(ResolvedConfiguration configuration)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var queue in configuration.Queues)
        {
            owners[queue.Name] = $"{SpillwayOptions.SectionName}:Queues:{queue.Name}";
        }

        foreach (var worker in configuration.Workers)
        {
            owners[worker.Queue] = $"{SpillwayOptions.SectionName}:Workers:{worker.Name}";
        }

        foreach (var route in configuration.Routes)
        {
            owners[route.Options.QueueName] = $"{SpillwayOptions.SectionName}:Routes:{route.Name}";
        }

        return owners;
    }
}
