using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Gateway.Internal;
using Spillway.Messaging;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The operator's view of the queues: counts, a look at a queue's messages (a dead-letter queue's above all) and
/// redrive. Behind the same API keys as ingest.
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

    /// <summary>Maps the endpoints under <c>/v1/queues</c>.</summary>
    public static IEndpointRouteBuilder MapQueueAdmin(this IEndpointRouteBuilder endpoints, QueueEngine engine, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(engine);
        var group = endpoints.MapGroup("/v1/queues").RequireApiKey(options);

        group.MapGet("/", () => TypedResults.Json(
            new QueueList([.. engine.ListQueues().Select(q => Summarize(q))]), AdminJsonContext.Default.QueueList));

        group.MapGet("/{name}/messages", (string name, int? limit) =>
        {
            if (!engine.TryGetQueue(name, out var queue))
            {
                return UnknownQueue(name);
            }

            var max = limit ?? 10;
            if (max is < 1 or > MaxPeek)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid limit", $"limit must be between 1 and {MaxPeek}.");
            }

            var messages = queue.Peek(max).Select(m => new PeekedMessageView(
                m.MessageId, Encoding.UTF8.GetString(m.Body.Span), m.ReceiveCount, m.SentTimestamp)).ToList();
            return TypedResults.Json(new PeekedMessages(messages), AdminJsonContext.Default.PeekedMessages);
        });

        group.MapPost("/{name}/redrive", async (string name, HttpRequest request) =>
        {
            if (!engine.TryGetQueue(name, out _))
            {
                return UnknownQueue(name);
            }

            var (body, max, invalid) = await ReadRedriveAsync(request).ConfigureAwait(false);
            if (invalid is not null)
            {
                return invalid;
            }

            if (body?.Destination is { } destination && !engine.TryGetQueue(destination, out _))
            {
                return UnknownQueue(destination);
            }

            try
            {
                var moved = await engine.RedriveAsync(name, body?.Destination, max, request.HttpContext.RequestAborted).ConfigureAwait(false);
                return TypedResults.Json(new RedriveResult(moved), AdminJsonContext.Default.RedriveResult);
            }
            catch (InvalidOperationException e)
            {
                // No destination given and a message has no known source queue, for example.
                return Problem(StatusCodes.Status400BadRequest, "Cannot redrive", e.Message);
            }
            catch (Storage.StorageFullException e)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, "Storage full", e.Message);
            }
        });

        MapQueueManagement(group, engine);
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

    /// <summary>The optional body of a redrive (empty: every message, back to its source) and its message limit, or
    /// the 400 to answer with.</summary>
    internal static async Task<(RedriveRequest? Body, int MaxMessages, IResult? Problem)> ReadRedriveAsync(HttpRequest request)
    {
        RedriveRequest? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await JsonSerializer.DeserializeAsync(request.Body, AdminJsonContext.Default.RedriveRequest, request.HttpContext.RequestAborted)
                    .ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return (null, 0, Problem(StatusCodes.Status400BadRequest, "Malformed JSON", e.Message));
            }
        }

        var max = body?.MaxMessages ?? int.MaxValue;
        return max < 1
            ? (body, max, Problem(StatusCodes.Status400BadRequest, "Invalid maxMessages", "maxMessages must be at least 1."))
            : (body, max, null);
    }

    private static QueueSummary Summarize(MessageQueue queue)
    {
        var counts = queue.GetCounts();
        var now = DateTimeOffset.UtcNow;
        double? oldest = counts.OldestSentTimestamp is { } sent ? Math.Max(0, (now - sent).TotalSeconds) : null;
        return new QueueSummary(
            queue.Name, counts.Visible, counts.InFlight, counts.Delayed, oldest, queue.Definition.RedrivePolicy?.DeadLetterQueue);
    }

    private static IResult UnknownQueue(string name) =>
        Problem(StatusCodes.Status404NotFound, "Unknown queue", $"There is no queue named '{name}'.");

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
