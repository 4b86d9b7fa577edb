using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Transport;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The queue admin API over a broker transport, with the same paths and bodies as
/// <see cref="QueueAdminEndpoints.MapQueueAdmin"/> so the CLI works unchanged: <c>GET /v1/queues</c> (a broker reports
/// its ready messages as visible; in flight and delayed read 0) and <c>POST /v1/queues/{name}/redrive</c>. Peeking is
/// embedded-only: a broker has no look without a receive.
/// </summary>
public static class TransportAdminEndpoints
{
    /// <summary>Maps the endpoints under <c>/v1/queues</c>, behind the gateway's API keys.</summary>
    public static IEndpointRouteBuilder MapQueueAdmin(
        this IEndpointRouteBuilder endpoints, IMessageTransport transport, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(transport);
        var group = endpoints.MapGroup("/v1/queues").RequireApiKey(options);

        group.MapGet("/", async (CancellationToken cancellationToken) =>
        {
            try
            {
                var queues = await transport.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
                var list = new QueueList(
                    [.. queues.Select(q => new QueueSummary(q.Name, q.Visible, q.InFlight ?? 0, q.Delayed ?? 0, null, q.DeadLetterQueue))]);
                return TypedResults.Json(list, AdminJsonContext.Default.QueueList);
            }
            catch (TransportUnavailableException e)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, "Transport unavailable", e.Message);
            }
        });

        group.MapGet("/{name}/messages", (string name) => Problem(
            StatusCodes.Status501NotImplemented,
            "Peek not available",
            $"The broker cannot show the messages of '{name}' without receiving them; use its management UI."));

        group.MapPost("/{name}/redrive", async (string name, HttpRequest request) =>
        {
            var (body, max, invalid) = await QueueAdminEndpoints.ReadRedriveAsync(request).ConfigureAwait(false);
            if (invalid is not null)
            {
                return invalid;
            }

            try
            {
                var moved = await transport.RedriveAsync(name, body?.Destination, max, request.HttpContext.RequestAborted)
                    .ConfigureAwait(false);
                return TypedResults.Json(new RedriveResult(moved), AdminJsonContext.Default.RedriveResult);
            }
            catch (ArgumentException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Cannot redrive", e.Message);
            }
            catch (TransportUnavailableException e)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, "Transport unavailable", e.Message);
            }
        });

        return endpoints;
    }

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
