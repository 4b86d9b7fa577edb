using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Spillway.Sns;

namespace Spillway.Hosting;

/// <summary>The SNS API's settings (<c>Spillway:Sns</c>) and the signing key of its notifications.</summary>
internal static class SnsHosting
{
    /// <summary>
    /// Opens the notifications' signing key (in <c>&lt;data&gt;/sns</c>, made on first start), whose renderer the engine
    /// uses for every topic delivery; null when the SNS API is off, so deliveries carry the raw body.
    /// </summary>
    public static SnsNotifications? Open(SpillwayOptions options, string dataDirectory, WebApplication app)
    {
        var sns = options.Sns;
        if (!sns.Enabled)
        {
            return null;
        }

        try
        {
            sns.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"{SpillwayOptions.SectionName}:Sns:{e.ParamName}", e.Message[..e.Message.IndexOf(" (Parameter", StringComparison.Ordinal)]);
        }

        var account = SqsHosting.Account(options);
        if (sns.PublicUrl is { } configured)
        {
            var fixedUrl = new Uri(configured.TrimEnd('/') + "/");
            return SnsNotifications.Open(Path.Combine(dataDirectory, "sns"), account, () => fixedUrl);
        }

        return SnsNotifications.Open(Path.Combine(dataDirectory, "sns"), account, () => ListeningUrl(app));
    }

    /// <summary>The first address the server listens on (the port it got, once started), a wildcard host read as localhost.</summary>
    private static Uri ListeningUrl(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? app.Urls.FirstOrDefault() ?? "http://localhost:8080";
        var builder = new UriBuilder(first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal))
        {
            Path = "/",
        };
        if (builder.Host is "0.0.0.0" or "[::]" or "::")
        {
            builder.Host = "localhost";
        }

        return builder.Uri;
    }
}
