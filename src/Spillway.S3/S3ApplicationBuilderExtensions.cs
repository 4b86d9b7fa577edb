using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Objects;
using Spillway.S3.Internal;

namespace Spillway.S3;

/// <summary>Puts the S3 API on an ASP.NET Core application's main listener.</summary>
public static class S3ApplicationBuilderExtensions
{
    /// <summary>
    /// Serves the S3 API over <paramref name="store"/> for every request that is S3's: signed for the <c>s3</c> service,
    /// or addressed to <c>&lt;bucket&gt;.&lt;suffix&gt;</c> (<see cref="S3ApiSettings.VirtualHostSuffixes"/>). Every
    /// other request passes on untouched, so S3's REST paths (<c>GET /</c>, <c>PUT /bucket/key</c>) never take the
    /// routes of the other APIs. Runs as middleware, before the endpoints, so bodies stream instead of being buffered.
    /// </summary>
    public static IApplicationBuilder UseS3Api(this IApplicationBuilder app, IObjectStore store, S3ApiSettings settings)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        var logger = app.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger("Spillway.S3") ?? NullLogger.Instance;
        var api = new S3Api(store, settings, logger);
        return app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            if (S3Address.TryRead(context.Request, settings.VirtualHostSuffixes) is { } address)
            {
                await api.HandleAsync(context, address).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }
}
