using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Messaging;

namespace Spillway.Hosting;

/// <summary>
/// The queue operations the CLI needs beyond listing and redriving: create (<c>POST /v1/queues</c>), attributes
/// (<c>GET /v1/queues/{name}/attributes</c>), purge (<c>POST /v1/queues/{name}/purge</c>) and a cursor to watch a
/// queue fill without consuming it (<c>GET /v1/queues/{name}/tail?after=N</c>).
/// </summary>
internal static class QueueOperationEndpoints
{
    private const int MaxTail = 100;

    public static void MapQueueOperations(this IEndpointRouteBuilder endpoints, QueueEngine engine, GatewayOptions gateway)
    {
        var group = endpoints.MapGroup("/v1/queues").RequireApiKey(gateway);
        group.MapPost("/", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            CreateQueueRequest? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync(request.Body, QueueOperationJsonContext.Default.CreateQueueRequest, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Malformed JSON", e.Message);
            }

            if (body is null || string.IsNullOrWhiteSpace(body.Name))
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid queue", "A queue needs a name.");
            }

            if (engine.TryGetQueue(body.Name, out var existing))
            {
                return Problem(StatusCodes.Status409Conflict, "Queue exists", $"A queue named '{existing.Name}' exists already.");
            }

            try
            {
                var queue = await engine.CreateQueueAsync(body.ToDefinition(), cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(
                    Attributes(queue), QueueOperationJsonContext.Default.QueueAttributes, statusCode: StatusCodes.Status201Created);
            }
            catch (ArgumentException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid queue", e.Message);
            }
            catch (InvalidOperationException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid queue", e.Message);
            }
        });
        group.MapGet("/{name}/attributes", (string name) => engine.TryGetQueue(name, out var queue)
            ? TypedResults.Json(Attributes(queue), QueueOperationJsonContext.Default.QueueAttributes)
            : UnknownQueue(name));
        group.MapPost("/{name}/purge", async (string name, CancellationToken cancellationToken) =>
        {
            if (!engine.TryGetQueue(name, out var queue))
            {
                return UnknownQueue(name);
            }

            await queue.PurgeAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(Attributes(queue), QueueOperationJsonContext.Default.QueueAttributes);
        });
        group.MapGet("/{name}/tail", (string name, long? after, int? limit) =>
        {
            if (!engine.TryGetQueue(name, out var queue))
            {
                return UnknownQueue(name);
            }

            var max = limit ?? MaxTail;
            if (max is < 1 or > MaxTail || after is < 0)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid cursor", $"limit must be 1-{MaxTail} and after at least 0.");
            }

            var messages = queue.Peek(max, after ?? 0).Select(m => new TailedMessage(
                m.MessageId, m.SequenceNumber, Encoding.UTF8.GetString(m.Body.Span), m.ReceiveCount, m.SentTimestamp)).ToList();
            var next = messages.Count > 0 ? messages[^1].SequenceNumber : after ?? 0;
            return TypedResults.Json(new TailPage(messages, next), QueueOperationJsonContext.Default.TailPage);
        });
    }

    private static QueueAttributes Attributes(MessageQueue queue)
    {
        var definition = queue.Definition;
        var counts = queue.GetCounts();
        return new QueueAttributes(
            definition.Name,
            definition.FifoQueue,
            (int)definition.VisibilityTimeout.TotalSeconds,
            (int)definition.DeliveryDelay.TotalSeconds,
            (int)definition.MessageRetentionPeriod.TotalSeconds,
            definition.MaximumMessageSize,
            definition.RedrivePolicy?.DeadLetterQueue,
            definition.RedrivePolicy?.MaxReceiveCount,
            counts.Visible,
            counts.InFlight,
            counts.Delayed);
    }

    private static IResult UnknownQueue(string name) =>
        Problem(StatusCodes.Status404NotFound, "Unknown queue", $"There is no queue named '{name}'.");

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}

internal sealed record CreateQueueRequest(
    string? Name,
    int? VisibilityTimeoutSeconds,
    int? DelaySeconds,
    int? MessageRetentionPeriodSeconds,
    int? MaximumMessageSize,
    string? DeadLetterQueue,
    int? MaxReceiveCount)
{
    public QueueDefinition ToDefinition() => new()
    {
        Name = Name!,
        FifoQueue = Name!.EndsWith(".fifo", StringComparison.Ordinal),
        VisibilityTimeout = TimeSpan.FromSeconds(VisibilityTimeoutSeconds ?? 30),
        DeliveryDelay = TimeSpan.FromSeconds(DelaySeconds ?? 0),
        MessageRetentionPeriod = TimeSpan.FromSeconds(MessageRetentionPeriodSeconds ?? 4 * 24 * 3600),
        MaximumMessageSize = MaximumMessageSize ?? 1024 * 1024,
        RedrivePolicy = DeadLetterQueue is null ? null : new RedrivePolicy(DeadLetterQueue, MaxReceiveCount ?? 5),
    };
}

internal sealed record QueueAttributes(
    string Name,
    bool Fifo,
    int VisibilityTimeoutSeconds,
    int DelaySeconds,
    int MessageRetentionPeriodSeconds,
    int MaximumMessageSize,
    string? DeadLetterQueue,
    int? MaxReceiveCount,
    long Visible,
    long InFlight,
    long Delayed);

internal sealed record TailedMessage(Guid MessageId, long SequenceNumber, string Body, int ReceiveCount, DateTimeOffset SentTimestamp);

internal sealed record TailPage(IReadOnlyList<TailedMessage> Messages, long Next);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateQueueRequest))]
[JsonSerializable(typeof(QueueAttributes))]
[JsonSerializable(typeof(TailPage))]
internal sealed partial class QueueOperationJsonContext : JsonSerializerContext;
