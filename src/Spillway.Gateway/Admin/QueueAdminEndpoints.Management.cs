using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Messaging;

namespace Spillway.Gateway.Admin;

/// <summary>
/// Queues created, purged and changed by an operator, with the names of the configuration file:
/// <list type="bullet">
/// <item><c>POST /v1/queues</c> with <c>{"name":"…", …attributes}</c> → 201 and the attributes; 200 when an identical
/// queue exists, 409 when a different one does</item>
/// <item><c>GET /v1/queues/{name}/attributes</c> → <c>{"name","visibilityTimeoutSeconds","delaySeconds",
/// "messageRetentionPeriodSeconds","maximumMessageSize","receiveMessageWaitTimeSeconds","deadLetterQueue",
/// "maxReceiveCount","fifoQueue","contentBasedDeduplication"}</c></item>
/// <item><c>PATCH /v1/queues/{name}/attributes</c> with the attributes to change (<c>"deadLetterQueue": ""</c> removes
/// the redrive policy) → the new attributes</item>
/// <item><c>POST /v1/queues/{name}/purge</c> → <c>{"purged":N}</c>, N approximate as SQS's counts are</item>
/// </list>
/// </summary>
public static partial class QueueAdminEndpoints
{
    private static void MapQueueManagement(RouteGroupBuilder group, QueueEngine engine)
    {
        group.MapPost("/", async (HttpRequest request) =>
        {
            var (attributes, error) = await ReadAttributesAsync(request).ConfigureAwait(false);
            if (attributes is null)
            {
                return error!;
            }

            if (string.IsNullOrWhiteSpace(attributes.Name))
            {
                return Problem(StatusCodes.Status400BadRequest, "Missing name", "The queue's name is required.");
            }

            if (attributes.DeadLetterQueue is { Length: > 0 } deadLetterQueue && !engine.TryGetQueue(deadLetterQueue, out _))
            {
                return UnknownQueue(deadLetterQueue);
            }

            QueueDefinition definition;
            try
            {
                definition = Apply(attributes, new QueueDefinition
                {
                    Name = attributes.Name,
                    FifoQueue = attributes.FifoQueue ?? attributes.Name.EndsWith(".fifo", StringComparison.Ordinal),
                });
                if (engine.TryGetQueue(definition.Name, out var existing))
                {
                    return Describe(existing.Definition) == Describe(definition)
                        ? TypedResults.Json(Describe(existing.Definition), AdminJsonContext.Default.QueueAttributes)
                        : Problem(
                            StatusCodes.Status409Conflict,
                            "Queue exists",
                            $"A queue named '{definition.Name}' exists with other attributes; "
                            + $"change them with PATCH /v1/queues/{definition.Name}/attributes.");
                }

                var created = await engine.CreateQueueAsync(definition, request.HttpContext.RequestAborted).ConfigureAwait(false);
                return TypedResults.Json(
                    Describe(created.Definition), AdminJsonContext.Default.QueueAttributes, statusCode: StatusCodes.Status201Created);
            }
            catch (ArgumentException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid attributes", Reason(e));
            }
        });

        group.MapGet("/{name}/attributes", (string name) => engine.TryGetQueue(name, out var queue)
            ? TypedResults.Json(Describe(queue.Definition), AdminJsonContext.Default.QueueAttributes)
            : UnknownQueue(name));

        group.MapPatch("/{name}/attributes", async (string name, HttpRequest request) =>
        {
            if (!engine.TryGetQueue(name, out _))
            {
                return UnknownQueue(name);
            }

            var (attributes, error) = await ReadAttributesAsync(request).ConfigureAwait(false);
            if (attributes is null)
            {
                return error!;
            }

            if (attributes.Name is { } renamed && renamed != name)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid attributes", "A queue cannot be renamed.");
            }

            if (attributes.DeadLetterQueue is { Length: > 0 } deadLetterQueue && !engine.TryGetQueue(deadLetterQueue, out _))
            {
                return UnknownQueue(deadLetterQueue);
            }

            try
            {
                var updated = await engine.SetQueueAttributesAsync(
                    name,
                    current => Apply(attributes, current with { FifoQueue = attributes.FifoQueue ?? current.FifoQueue }),
                    request.HttpContext.RequestAborted).ConfigureAwait(false);
                return TypedResults.Json(Describe(updated), AdminJsonContext.Default.QueueAttributes);
            }
            catch (ArgumentException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid attributes", Reason(e));
            }
        });

        group.MapPost("/{name}/purge", async (string name, CancellationToken cancellationToken) =>
        {
            if (!engine.TryGetQueue(name, out var queue))
            {
                return UnknownQueue(name);
            }

            var counts = queue.GetCounts();
            await queue.PurgeAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new PurgeResult(counts.Visible + counts.InFlight + counts.Delayed), AdminJsonContext.Default.PurgeResult);
        });
    }

    private static async Task<(QueueAttributes? Attributes, IResult? Error)> ReadAttributesAsync(HttpRequest request)
    {
        try
        {
            var attributes = await JsonSerializer.DeserializeAsync(
                request.Body, AdminJsonContext.Default.QueueAttributes, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return attributes is null
                ? (null, Problem(StatusCodes.Status400BadRequest, "Malformed JSON", "The body must be a JSON object."))
                : (attributes, null);
        }
        catch (JsonException e)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "Malformed JSON", e.Message));
        }
    }

    private static QueueDefinition Apply(QueueAttributes attributes, QueueDefinition definition)
    {
        var redrive = definition.RedrivePolicy;
        if (attributes.DeadLetterQueue is { } deadLetterQueue)
        {
            redrive = deadLetterQueue.Length == 0
                ? null
                : new RedrivePolicy(deadLetterQueue, attributes.MaxReceiveCount ?? redrive?.MaxReceiveCount ?? 5);
        }
        else if (attributes.MaxReceiveCount is { } maxReceiveCount)
        {
            redrive = redrive is null
                ? throw new ArgumentException("maxReceiveCount needs a deadLetterQueue.")
                : redrive with { MaxReceiveCount = maxReceiveCount };
        }

        return definition with
        {
            VisibilityTimeout = Seconds(attributes.VisibilityTimeoutSeconds) ?? definition.VisibilityTimeout,
            DeliveryDelay = Seconds(attributes.DelaySeconds) ?? definition.DeliveryDelay,
            MessageRetentionPeriod = Seconds(attributes.MessageRetentionPeriodSeconds) ?? definition.MessageRetentionPeriod,
            MaximumMessageSize = attributes.MaximumMessageSize ?? definition.MaximumMessageSize,
            ReceiveMessageWaitTime = Seconds(attributes.ReceiveMessageWaitTimeSeconds) ?? definition.ReceiveMessageWaitTime,
            ContentBasedDeduplication = attributes.ContentBasedDeduplication ?? definition.ContentBasedDeduplication,
            RedrivePolicy = redrive,
        };
    }

    private static QueueAttributes Describe(QueueDefinition definition) => new(
        definition.Name,
        (int)definition.VisibilityTimeout.TotalSeconds,
        (int)definition.DeliveryDelay.TotalSeconds,
        (int)definition.MessageRetentionPeriod.TotalSeconds,
        definition.MaximumMessageSize,
        (int)definition.ReceiveMessageWaitTime.TotalSeconds,
        definition.RedrivePolicy?.DeadLetterQueue,
        definition.RedrivePolicy?.MaxReceiveCount,
        definition.FifoQueue,
        definition.ContentBasedDeduplication);

    private static TimeSpan? Seconds(int? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    // The engine's messages name the rule broken; the parameter name is noise to an API client.
    private static string Reason(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
