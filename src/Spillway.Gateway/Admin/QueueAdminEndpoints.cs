using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Gateway.Internal;
using Spillway.Storage;
using Spillway.Transport;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The operator's view of the queues of a transport: counts, a look at a queue's messages (a dead-letter queue's above
/// all) and redrive. Behind the same API keys as ingest. What a transport cannot do (a broker has no look without a
/// receive) answers 501 saying why.
/// <list type="bullet">
/// <item><c>GET /v1/queues</c> → <c>{"queues":[{"name","visible","inFlight","delayed","oldestMessageAgeSeconds","deadLetterQueue"}]}</c></item>
/// <item><c>GET /v1/queues/{name}/messages?limit=10</c> → <c>{"messages":[{"messageId","body","receiveCount","sentTimestamp"}]}</c>, without receiving them</item>
/// <item><c>POST /v1/queues/{name}/redrive</c> with optional <c>{"destination":"…","maxMessages":N}</c> → <c>{"moved":N}</c></item>
/// <item>creating and purging queues and changing their attributes: see <c>MapQueueManagement</c></item>
/// </list>
/// </summary>
public static partial class QueueAdminEndpoints
{
    /// <summary>Most messages one look returns.</summary>
    public const int MaxPeek = 1000;

    /// <summary>Maps the endpoints under <c>/v1/queues</c> over <paramref name="queues"/>.</summary>
    public static IEndpointRouteBuilder MapQueueAdmin(this IEndpointRouteBuilder endpoints, IQueueAdmin queues, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(queues);
        var group = endpoints.MapGroup("/v1/queues").RequireApiKey(options).WithParameterProblems();

        group.MapGet("/", (CancellationToken cancellationToken) => Answer(async () =>
        {
            var list = await queues.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(new QueueList([.. list.Select(Summarize)]), AdminJsonContext.Default.QueueList);
        }));

        group.MapGet("/{name}/messages", (string name, int? limit) => Answer(() =>
        {
            if (limit is < 1 or > MaxPeek)
            {
                return Task.FromResult(Problem(
                    StatusCodes.Status400BadRequest, "Invalid limit", $"limit must be between 1 and {MaxPeek} (got {limit})."));
            }

            var messages = queues.Peek(name, limit ?? 10).Select(m => new PeekedMessageView(
                m.MessageId, Encoding.UTF8.GetString(m.Body.Span), m.ReceiveCount, m.SentTimestamp)).ToList();
            return Task.FromResult<IResult>(TypedResults.Json(new PeekedMessages(messages), AdminJsonContext.Default.PeekedMessages));
        }));

        group.MapPost("/{name}/redrive", (string name, HttpRequest request) => Answer(async () =>
        {
            var (body, problem) = await AdminRequests.ReadOptionalAsync(request, AdminJsonContext.Default.RedriveRequest).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            if (body?.MaxMessages is < 1)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid maxMessages", "maxMessages must be at least 1.");
            }

            if (body?.Destination is { Length: 0 })
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid destination", "destination must name a queue, or be left out.");
            }

            var moved = await queues.RedriveAsync(
                name, body?.Destination, body?.MaxMessages ?? int.MaxValue, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(new RedriveResult(moved), AdminJsonContext.Default.RedriveResult);
        }, cannot: "Cannot redrive"));

        MapQueueManagement(group, queues);
        return endpoints;
    }

    /// <summary>
    /// Requires one of the gateway's API keys (when any are configured) on every endpoint of <paramref name="group"/>:
    /// 401 with a problem body otherwise.
    /// </summary>
    public static RouteGroupBuilder RequireApiKey(this RouteGroupBuilder group, GatewayOptions? options)
    {
        ArgumentNullException.ThrowIfNull(group);
        var authenticator = new ApiKeyAuthenticator((options ?? new GatewayOptions()).ResolveApiKeys());
        group.AddEndpointFilter(async (context, next) => authenticator.IsAuthorized(context.HttpContext.Request)
            ? await next(context).ConfigureAwait(false)
            : Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "A valid API key is required (Authorization: Bearer <key> or X-Api-Key)."));
        return group;
    }

    /// <summary>
    /// Runs one operation and answers what the transport said in words: an unknown queue is 404, a refused change 400
    /// (titled <paramref name="cannot"/>), what the transport cannot do 501, and storage or a broker that cannot take
    /// the change 503.
    /// </summary>
    private static async Task<IResult> Answer(Func<Task<IResult>> operation, string cannot = "Invalid request")
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (UnknownQueueException e)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown queue", e.Message);
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, cannot, Reason(e));
        }
        catch (InvalidOperationException e)
        {
            // No destination given and a message has no known source queue, for example.
            return Problem(StatusCodes.Status400BadRequest, cannot, e.Message);
        }
        catch (NotSupportedException e)
        {
            return Problem(StatusCodes.Status501NotImplemented, "Not available with this transport", e.Message);
        }
        catch (StorageFullException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Storage full", e.Message);
        }
        catch (TransportUnavailableException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Transport unavailable", e.Message);
        }
    }

    private static QueueSummary Summarize(TransportQueueInfo queue) => new(
        queue.Name,
        queue.Visible,
        queue.InFlight ?? 0,
        queue.Delayed ?? 0,
        queue.OldestMessageAge?.TotalSeconds,
        queue.DeadLetterQueue);

    internal static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    // The engine's messages name the rule broken; the parameter name is noise to an API client.
    internal static string Reason(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
