using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Spillway.Bench.Support;

/// <summary>The baseline: a minimal Kestrel endpoint that reads the body and answers 202, nothing else.</summary>
public static class BareKestrel
{
    public static async Task RunAsync(string urls, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        var app = builder.Build();
        app.MapPost("/submit", async (HttpContext context) =>
        {
            // Read the whole body, as the real endpoint must before it can answer.
            var buffer = new byte[4096];
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false) > 0)
            {
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
        });
        app.MapGet("/healthz", () => Results.Ok());
        await ((IHost)app).RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
