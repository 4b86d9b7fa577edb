using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Gateway.Internal;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Messaging.Topics.Filtering;
using Spillway.Storage;
using static Spillway.Gateway.Admin.QueueAdminEndpoints;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The operator's view of the engine's topics, behind the same API keys as the queue admin:
/// <list type="bullet">
/// <item><c>GET /v1/topics</c> → <c>{"topics":[{"name","fifo","contentBasedDeduplication","attributes",
/// "unfinishedDeliveries","subscriptions":[{"id","protocol","endpoint","deliveryQueue","confirmed","rawMessageDelivery",
/// "filterPolicy","filterPolicyScope","delivered","filteredOut","failed"}]}]}</c></item>
/// <item><c>POST /v1/topics</c> with <c>{"name","contentBasedDeduplication"}</c> → 201 and the topic (200 when it
/// exists alike)</item>
/// <item><c>GET /v1/topics/{name}</c> → the topic</item>
/// <item><c>POST /v1/topics/{name}/subscriptions</c> with <c>{"queue","filterPolicy","filterPolicyScope",
/// "rawMessageDelivery"}</c> → 201 and the subscription of that queue, confirmed</item>
/// <item><c>POST /v1/topics/{name}/messages</c> with <c>{"message","subject","attributes":{name:{"dataType",
/// "stringValue"}},"messageGroupId","messageDeduplicationId"}</c> → <c>{"messageId","sequenceNumber","duplicate"}</c>,
/// answered once every matching queue holds it</item>
/// <item><c>POST /v1/filter-policies/test</c> with <c>{"policy","scope","message","attributes"}</c> →
/// <c>{"matched","explanation"}</c>: whether the message passes the policy, and if not which condition failed</item>
/// </list>
/// </summary>
public static class TopicAdminEndpoints
{
    /// <summary>Maps the endpoints under <c>/v1/topics</c> over the topics of <paramref name="engine"/>.</summary>
    public static IEndpointRouteBuilder MapTopicAdmin(this IEndpointRouteBuilder endpoints, QueueEngine engine, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(engine);
        var topics = engine.Topics;
        var group = endpoints.MapGroup("/v1/topics").RequireApiKey(options).WithParameterProblems();

        group.MapGet("/", () => TypedResults.Json(new TopicList([.. topics.List().Select(Describe)]), TopicAdminJsonContext.Default.TopicList));

        group.MapPost("/", (HttpRequest request) => Answer(async () =>
        {
            var (body, problem) = await AdminRequests.ReadAsync(request, TopicAdminJsonContext.Default.TopicCreateRequest).ConfigureAwait(false);
            if (body is null)
            {
                return problem!;
            }

            var definition = new TopicDefinition
            {
                Name = body.Name ?? throw new ArgumentException("The topic's name is required."),
                ContentBasedDeduplication = body.ContentBasedDeduplication ?? false,
            };
            var existed = topics.TryGet(definition.Name, out _);
            var topic = await topics.CreateAsync(definition, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(
                Describe(topic), TopicAdminJsonContext.Default.TopicView, statusCode: existed ? StatusCodes.Status200OK : StatusCodes.Status201Created);
        }, cannot: "Invalid topic"));

        group.MapGet("/{name}", (string name) => Answer(() => Task.FromResult<IResult>(
            TypedResults.Json(Describe(Find(topics, name)), TopicAdminJsonContext.Default.TopicView))));

        group.MapPost("/{name}/subscriptions", (string name, HttpRequest request) => Answer(async () =>
        {
            var topic = Find(topics, name);
            var (body, problem) = await AdminRequests.ReadAsync(request, TopicAdminJsonContext.Default.TopicSubscribeRequest).ConfigureAwait(false);
            if (body is null)
            {
                return problem!;
            }

            if (body.Queue is not { Length: > 0 } queue || !engine.TryGetQueue(queue, out _))
            {
                throw new ArgumentException($"queue must name an existing queue (got '{body.Queue}').");
            }

            var subscription = await topic.SubscribeAsync(
                new Subscription
                {
                    Id = Guid.NewGuid(),
                    Protocol = "sqs",
                    Endpoint = queue,
                    DeliveryQueue = queue,
                    Confirmed = true,
                    RawMessageDelivery = body.RawMessageDelivery ?? false,
                    FilterPolicy = body.FilterPolicy,
                    FilterPolicyScope = ParseScope(body.FilterPolicyScope),
                },
                request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(Describe(topic, subscription), TopicAdminJsonContext.Default.SubscriptionView, statusCode: StatusCodes.Status201Created);
        }, cannot: "Invalid subscription"));

        group.MapPost("/{name}/messages", (string name, HttpRequest request) => Answer(async () =>
        {
            var topic = Find(topics, name);
            var (body, problem) = await AdminRequests.ReadAsync(request, TopicAdminJsonContext.Default.TopicPublishRequest).ConfigureAwait(false);
            if (body is null)
            {
                return problem!;
            }

            var result = await topic.PublishAsync(ToMessage(body), request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(
                new TopicPublishResult(result.MessageId, result.SequenceNumber, result.Duplicate), TopicAdminJsonContext.Default.TopicPublishResult);
        }, cannot: "Invalid message"));

        var filters = endpoints.MapGroup("/v1/filter-policies").RequireApiKey(options).WithParameterProblems();
        filters.MapPost("/test", (HttpRequest request) => Answer(async () =>
        {
            var (body, problem) = await AdminRequests.ReadAsync(request, TopicAdminJsonContext.Default.FilterTestRequest).ConfigureAwait(false);
            if (body is null)
            {
                return problem!;
            }

            var policy = FilterPolicy.Parse(body.Policy ?? throw new ArgumentException("policy is required."), ParseScope(body.Scope));
            var result = policy.Evaluate(new FilterMessage(ToAttributes(body.Attributes), body.Message));
            return TypedResults.Json(new FilterTestResult(result.Matched, result.Explanation), TopicAdminJsonContext.Default.FilterTestResult);
        }, cannot: "Invalid test"));

        return endpoints;
    }

    private static Topic Find(TopicStore topics, string name) =>
        topics.TryGet(name, out var topic) ? topic : throw new TopicNotFoundException($"Topic '{name}' does not exist.");

    private static FilterPolicyScope ParseScope(string? scope) => scope switch
    {
        null or "MessageAttributes" => FilterPolicyScope.MessageAttributes,
        "MessageBody" => FilterPolicyScope.MessageBody,
        _ => throw new ArgumentException($"filterPolicyScope must be MessageAttributes or MessageBody (got '{scope}')."),
    };

    private static Dictionary<string, MessageAttributeValue>? ToAttributes(IReadOnlyDictionary<string, AttributeEntry?>? given)
    {
        if (given is null)
        {
            return null;
        }

        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
        foreach (var (name, entry) in given)
        {
            if (entry?.DataType is not { Length: > 0 } type || entry.StringValue is null)
            {
                throw new ArgumentException($"attributes.{name} must have a dataType and a stringValue.");
            }

            attributes[name] = new MessageAttributeValue(type, entry.StringValue);
        }

        return attributes;
    }

    private static TopicMessage ToMessage(TopicPublishRequest body)
    {
        return new TopicMessage(body.Message ?? throw new ArgumentException("message is required."))
        {
            Subject = body.Subject,
            Attributes = ToAttributes(body.Attributes),
            MessageGroupId = body.MessageGroupId,
            MessageDeduplicationId = body.MessageDeduplicationId,
        };
    }

    private static TopicView Describe(Topic topic) => new(
        topic.Name,
        topic.Definition.IsFifo,
        topic.Definition.ContentBasedDeduplication,
        topic.Definition.Attributes,
        topic.UnfinishedDeliveries,
        [.. topic.Subscriptions.Select(s => Describe(topic, s))]);

    private static SubscriptionView Describe(Topic topic, Subscription s)
    {
        var counts = topic.StatisticsOf(s.Id);
        return new SubscriptionView(
            s.Id, s.Protocol, s.Endpoint, s.DeliveryQueue, s.Confirmed, s.RawMessageDelivery, s.FilterPolicy, s.FilterPolicyScope.ToString(),
            counts.Delivered, counts.FilteredOut, counts.Failed);
    }

    /// <summary>An unknown topic is 404, a refused request 400 (titled <paramref name="cannot"/>), a full disk 503.</summary>
    private static async Task<IResult> Answer(Func<Task<IResult>> operation, string cannot = "Invalid request")
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (TopicNotFoundException e)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown topic", e.Message);
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, cannot, Reason(e));
        }
        catch (InvalidFilterPolicyException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid filter policy", e.Message);
        }
        catch (StorageFullException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Storage full", e.Message);
        }
        catch (StorageFaultedException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Storage stopped", e.Message);
        }
    }
}
