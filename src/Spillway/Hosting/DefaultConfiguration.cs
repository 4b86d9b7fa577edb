using Spillway.Gateway;

namespace Spillway.Hosting;

/// <summary>
/// The seed's pipeline: <c>POST /submit</c> with name and email, queue <c>submit</c> with dead-letter queue
/// <c>submit-dlq</c>, a worker of concurrency 2, and the table <c>users(id, name, email, created_at)</c>.
/// </summary>
internal static class DefaultConfiguration
{
    public const string RouteName = "submit";
    public const string SinkName = "users";

    /// <summary>
    /// Whether the seed pipeline is in force: when the configuration declares no route, or overrides the seed's own
    /// (<c>Spillway:Routes:submit:…</c>), the seed's entries are laid down first and the configuration binds over them.
    /// </summary>
    public static bool AppliesTo(IConfiguration configuration)
    {
        var routes = configuration.GetSection($"{SpillwayOptions.SectionName}:Routes").GetChildren().ToList();
        return routes.Count == 0 || routes.Any(r => string.Equals(r.Key, RouteName, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Lays down the seed's entries, before the configuration is bound over them.</summary>
    public static void Seed(SpillwayOptions options)
    {
        options.Routes[RouteName] = IngestRouteOptions.CreateSubmitRoute();
        options.Queues[RouteName] = new QueueConfig { DeadLetterQueue = DeadLetterQueueOf(RouteName) };
        options.Sinks[SinkName] = new SinkConfig { Table = SinkName };
        options.Tables[SinkName] = new DataAccess.TableConfig { Filters = ["email", "created_at"] };
        options.Workers[RouteName] = new WorkerConfig
        {
            Queue = RouteName,
            Handler = new HandlerConfig { Kind = "sql", Sink = SinkName },
        };
    }

    /// <summary>After binding: every route's queue exists (with a dead-letter queue), and with a single sink every
    /// route without a worker gets one writing into it.</summary>
    public static void Complete(SpillwayOptions options)
    {
        foreach (var (name, route) in options.Routes)
        {
            if (route.Stream is not null || route.Topic is not null)
            {
                // A stream route has no queue; its stream's consumers are declared as workers. A topic route's queues
                // are its subscriptions'.
                continue;
            }

            var queue = QueueOf(name, route);
            if (!options.Queues.ContainsKey(queue))
            {
                options.Queues[queue] = new QueueConfig { DeadLetterQueue = DeadLetterQueueOf(queue) };
            }

            // A worker's queue defaults to the worker's name.
            if (options.Sinks.Count == 1 && !options.Workers.Any(w => (w.Value.Queue ?? w.Key) == queue))
            {
                options.Workers[name] = new WorkerConfig
                {
                    Queue = queue,
                    Handler = new HandlerConfig { Kind = "sql", Sink = options.Sinks.Keys.Single() },
                };
            }
        }
    }

    /// <summary>The dead-letter queue a queue gets by default: "name-dlq", or "name-dlq.fifo" for a FIFO queue, whose
    /// dead-letter queue must be FIFO too.</summary>
    public static string DeadLetterQueueOf(string queue) =>
        Messaging.QueueLimits.IsFifoName(queue)
            ? queue[..^Messaging.QueueLimits.FifoSuffix.Length] + "-dlq" + Messaging.QueueLimits.FifoSuffix
            : queue + "-dlq";

    /// <summary>A route's queue: its QueueName, or the route's own name when left out.</summary>
    public static string QueueOf(string routeName, IngestRouteOptions route) =>
        string.IsNullOrEmpty(route.QueueName) ? routeName : route.QueueName;
}
