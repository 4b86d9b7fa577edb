using Spillway.Amqp;
using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Hosting;

/// <summary>
/// Resolves <c>--transport</c>/<c>Spillway:Transport</c>/<c>SPILLWAY_TRANSPORT_FILE</c> and <c>--role</c>, and opens
/// the pipeline's transport. The only place that knows which kinds of transport exist: everything else takes the
/// <see cref="PipelineTransport"/> it returns.
/// </summary>
internal static class TransportSetup
{
    public const string TransportKey = SpillwayOptions.SectionName + ":Transport";
    public const string RoleKey = SpillwayOptions.SectionName + ":Role";

    public static ResolvedConfiguration Apply(ResolvedConfiguration resolved, string? transport, string? role)
    {
        if (string.IsNullOrWhiteSpace(transport))
        {
            var file = Environment.GetEnvironmentVariable("SPILLWAY_TRANSPORT_FILE");
            transport = string.IsNullOrWhiteSpace(file)
                ? null
                : ConfigurationResolver.ReadSecretFile("SPILLWAY_TRANSPORT_FILE", file).FirstOrDefault();
        }

        Uri? uri = null;
        if (!string.IsNullOrWhiteSpace(transport) && !string.Equals(transport.Trim(), "embedded", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                uri = AmqpTransportOptions.ParseUri(transport);
            }
            catch (ArgumentException e)
            {
                // The message names the expected shape, never the value (it may hold a password).
                throw new ConfigurationException(TransportKey, e.Message);
            }
        }

        var parsed = role?.Trim().ToLowerInvariant() switch
        {
            null or "" or "all" => ServerRole.All,
            "gateway" => ServerRole.Gateway,
            "worker" => ServerRole.Worker,
            _ => throw new ConfigurationException(RoleKey, $"'{role}' is not a role; use all, gateway or worker"),
        };
        if (uri is null && parsed != ServerRole.All)
        {
            // The embedded engine lives in this process: a gateway without workers would fill a queue nobody drains,
            // and a worker without routes would drain a queue nobody fills.
            throw new ConfigurationException(
                RoleKey,
                $"role '{role}' needs a shared transport (--transport amqp://…); with the embedded engine every node runs both roles");
        }

        return resolved with { Transport = uri, Role = parsed };
    }

    /// <summary>
    /// Opens the pipeline's transport over the configured queues: the embedded engine's, created there when missing,
    /// or a broker's, connected before serving so the first requests do not meet a connection still opening (a broker
    /// that is down does not stop the node: it answers 503 and keeps reconnecting).
    /// </summary>
    public static async Task<PipelineTransport> OpenAsync(
        ResolvedConfiguration configuration,
        QueueEngine engine,
        Messaging.Topics.NotificationRenderer? notificationRenderer,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        if (configuration.Transport is not { } broker)
        {
            var embedded = new EmbeddedTransport(engine);
            await embedded.CreateQueuesAsync(configuration.Queues, cancellationToken).ConfigureAwait(false);
            await CreateStreamsAsync(configuration, embedded, cancellationToken).ConfigureAwait(false);
            await CreateTopicsAsync(configuration, engine, cancellationToken).ConfigureAwait(false);
            return new PipelineTransport(embedded, engine);
        }

        if (configuration.Topics.FirstOrDefault(t => t.Definition.IsFifo) is { } fifo)
        {
            throw new ConfigurationException(
                $"{SpillwayOptions.SectionName}:Topics:{fifo.Definition.Name}",
                "a FIFO topic needs the embedded engine: a broker's fan-out keeps no one order across its queues");
        }

        AmqpTransport amqp;
        try
        {
            amqp = new AmqpTransport(
                new AmqpTransportOptions
                {
                    Uri = broker,
                    Queues = configuration.Queues,
                    Streams = configuration.Streams,
                    Topics = configuration.Topics,
                    NotificationRenderer = notificationRenderer,
                    ConnectionName = $"spillway {configuration.Role.ToString().ToLowerInvariant()} on {Environment.MachineName}",
                },
                loggerFactory);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(TransportKey, e.Message);
        }

        var publishes = configuration.Role != ServerRole.Worker;
        if (!await amqp.ConnectAsync(publishes, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
        {
            LogMessages.TransportNotConnected(loggerFactory.CreateLogger("Spillway"), amqp.Endpoint);
        }

        await CreateStreamsAsync(configuration, amqp, cancellationToken).ConfigureAwait(false);
        return new PipelineTransport(amqp, null);
    }

    /// <summary>
    /// Creates the configured topics that do not exist yet and makes each configured subscription say what the
    /// configuration says (its queue, filter and delivery), durably; subscriptions made through the APIs stay.
    /// </summary>
    private static async Task CreateTopicsAsync(ResolvedConfiguration configuration, QueueEngine engine, CancellationToken cancellationToken)
    {
        foreach (var (definition, subscriptions) in configuration.Topics)
        {
            var topic = await engine.Topics.CreateAsync(definition, cancellationToken).ConfigureAwait(false);
            foreach (var subscription in subscriptions)
            {
                if (topic.FindSubscription(subscription.Id) is { } existing)
                {
                    if (existing.DeliveryQueue != subscription.DeliveryQueue || existing.FilterPolicy != subscription.FilterPolicy
                        || existing.FilterPolicyScope != subscription.FilterPolicyScope || existing.RawMessageDelivery != subscription.RawMessageDelivery)
                    {
                        await topic.UpdateSubscriptionAsync(subscription.Id, _ => subscription, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    await topic.SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Creates the configured streams that do not exist yet; existing streams keep their definitions.</summary>
    private static async Task CreateStreamsAsync(
        ResolvedConfiguration configuration, IMessageTransport transport, CancellationToken cancellationToken)
    {
        if (configuration.Streams.Count == 0)
        {
            return;
        }

        if (transport.Streams is not { } streams)
        {
            throw new ConfigurationException(
                $"{SpillwayOptions.SectionName}:Streams", $"the {transport.Kind} transport has no streams");
        }

        foreach (var definition in configuration.Streams)
        {
            await streams.EnsureStreamAsync(definition, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The pipeline's transport as the host uses it.</summary>
/// <param name="Transport">Where routes send and workers receive.</param>
/// <param name="EngineQueues">The embedded engine when the pipeline's queues live in it: what only the engine can
/// serve (the SQS API) is offered over it. Null on a broker, whose status readiness then checks apart from storage.</param>
internal sealed record PipelineTransport(IMessageTransport Transport, QueueEngine? EngineQueues);
