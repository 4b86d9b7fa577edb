using Spillway.Gateway;
using Spillway.Messaging;
using Spillway.Sinks;

namespace Spillway.Hosting;

internal static partial class ConfigurationResolver
{
    /// <summary>
    /// What every path into a queue must refuse, so that nothing is acknowledged that its table could never hold: a
    /// route's queue takes what the route takes (its schema, and the table of the SQL worker that drains it, which the
    /// route itself then checks too); a queue only an SQL worker drains takes what that sink can map. Queues with
    /// neither have no rule.
    /// </summary>
    private static Dictionary<string, IMessageBodyRule> ResolveBodyRules(
        List<ResolvedRoute> routes, List<ResolvedWorker> workers, List<SqlSinkOptions> sinks)
    {
        var sinkRules = new Dictionary<string, SinkRecordRule>(StringComparer.Ordinal);
        foreach (var worker in workers.Where(w => w.Config.Handler.Kind == Processing.MessageHandlerOptions.SqlKind))
        {
            var sink = sinks.First(s => string.Equals(s.Name, worker.Config.Handler.Sink, StringComparison.OrdinalIgnoreCase));
            sinkRules.TryAdd(worker.Queue, SqlSinkFactory.CreateRecordRule(sink));
        }

        var rules = new Dictionary<string, IMessageBodyRule>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (route.Options.Stream is { } stream)
            {
                // A stream route checks its sink's table itself; no other door leads into the stream here.
                route.Options.SinkRule = sinkRules.GetValueOrDefault(stream);
                continue;
            }

            route.Options.SinkRule = sinkRules.GetValueOrDefault(route.Options.QueueName);
            try
            {
                rules[route.Options.QueueName] = MessageBodyRules.ForRoute(route.Options, $"{Root}:Routes:{route.Name}");
            }
            catch (GatewayConfigurationException e)
            {
                throw ConfigurationException.From(e);
            }
        }

        foreach (var (queue, rule) in sinkRules)
        {
            rules.TryAdd(queue, MessageBodyRules.ForSink(rule));
        }

        return rules;
    }
}
