namespace Spillway.Hosting;

/// <summary>
/// The seed's pipeline, used for whatever the configuration leaves out: <c>POST /submit</c> with name and email,
/// queue <c>submit</c> with dead-letter queue <c>submit-dlq</c>, a worker of concurrency 2, and the table
/// <c>users(id, name, email, created_at)</c>.
/// </summary>
internal static class DefaultConfiguration
{
    public const string RouteName = "submit";
    public const string SinkName = "users";

    public static void Apply(SpillwayOptions options)
    {
        if (options.Routes.Count == 0)
        {
            options.Routes[RouteName] = new RouteConfig
            {
                Path = "/submit",
                Queue = RouteName,
                Fields =
                {
                    ["name"] = new FieldConfig { Type = "string", Required = true, MaxLength = 200 },
                    ["email"] = new FieldConfig { Type = "string", Required = true, MaxLength = 320, Format = "email" },
                },
            };
        }

        if (options.Sinks.Count == 0)
        {
            options.Sinks[SinkName] = new SinkConfig { Table = "users" };
        }

        if (options.Workers.Count == 0 && options.Sinks.Count == 1)
        {
            var sink = options.Sinks.Keys.Single();
            foreach (var (name, route) in options.Routes)
            {
                options.Workers[name] = new WorkerConfig
                {
                    Queue = route.Queue ?? name,
                    Handler = new HandlerConfig { Kind = "sql", Sink = sink },
                };
            }
        }

        foreach (var (name, route) in options.Routes)
        {
            var queue = route.Queue ?? name;
            if (!options.Queues.ContainsKey(queue))
            {
                options.Queues[queue] = new QueueConfig { DeadLetterQueue = queue + "-dlq" };
            }
        }
    }
}
