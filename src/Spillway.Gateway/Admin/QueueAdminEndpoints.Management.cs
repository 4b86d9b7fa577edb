using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Messaging;
using Spillway.Transport;

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
    private static void MapQueueManagement(RouteGroupBuilder group, IQueueAdmin queues)
    {
        group.MapPost("/", (HttpRequest request) => Answer(async () =>
        {
            var (attributes, problem) = await AdminRequests.ReadAsync(request, AdminJsonContext.Default.QueueAttributes).ConfigureAwait(false);
            if (attributes is null)
            {
                return problem!;
            }

            if (string.IsNullOrWhiteSpace(attributes.Name))
            {
                return Problem(StatusCodes.Status400BadRequest, "Missing name", "The queue's name is required.");
            }

            if (attributes.DeadLetterQueue is { Length: > 0 } deadLetterQueue && queues.FindDefinition(deadLetterQueue) is null)
            {
                throw new UnknownQueueException(deadLetterQueue);
            }

            var definition = Apply(attributes, new QueueDefinition
            {
                Name = attributes.Name,
                FifoQueue = attributes.FifoQueue ?? QueueDefinition.IsFifoName(attributes.Name),
            });
            if (queues.FindDefinition(definition.Name) is { } existing)
            {
                return Describe(existing) == Describe(definition)
                    ? TypedResults.Json(Describe(existing), AdminJsonContext.Default.QueueAttributes)
                    : Problem(
                        StatusCodes.Status409Conflict,
                        "Queue exists",
                        $"A queue named '{definition.Name}' exists with other attributes; "
                        + $"change them with PATCH /v1/queues/{definition.Name}/attributes.");
            }

            var (created, _) = await queues.CreateQueueAsync(definition, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(Describe(created), AdminJsonContext.Default.QueueAttributes, statusCode: StatusCodes.Status201Created);
        }, cannot: "Invalid attributes"));

        group.MapGet("/{name}/attributes", (string name) => queues.FindDefinition(name) is { } definition
            ? TypedResults.Json(Describe(definition), AdminJsonContext.Default.QueueAttributes)
            : Problem(StatusCodes.Status404NotFound, "Unknown queue", new UnknownQueueException(name).Message));

        group.MapPatch("/{name}/attributes", (string name, HttpRequest request) => Answer(async () =>
        {
            if (queues.FindDefinition(name) is null)
            {
                throw new UnknownQueueException(name);
            }

            var (attributes, problem) = await AdminRequests.ReadAsync(request, AdminJsonContext.Default.QueueAttributes).ConfigureAwait(false);
            if (attributes is null)
            {
                return problem!;
            }

            if (attributes.Name is { } renamed && renamed != name)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid attributes", "A queue cannot be renamed.");
            }

            if (attributes.DeadLetterQueue is { Length: > 0 } deadLetterQueue && queues.FindDefinition(deadLetterQueue) is null)
            {
                throw new UnknownQueueException(deadLetterQueue);
            }

            var updated = await queues.UpdateQueueAsync(
                name,
                current => Apply(attributes, current with { FifoQueue = attributes.FifoQueue ?? current.FifoQueue }),
                request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(Describe(updated), AdminJsonContext.Default.QueueAttributes);
        }, cannot: "Invalid attributes"));

        group.MapPost("/{name}/purge", (string name, CancellationToken cancellationToken) => Answer(async () =>
        {
            var purged = await queues.PurgeAsync(name, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(new PurgeResult(purged), AdminJsonContext.Default.PurgeResult);
        }));
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
}
