using Spillway.Gateway;
using Spillway.Messaging;
using Spillway.Sinks;

namespace Spillway.Hosting;

internal static partial class ConfigurationResolver
{
    /// <summary>
    /// What every path into a queue must refuse, so that nothing is acknowledged that its table could never hold: a
    /// route's queue takes what the route takes (its schema, and the table of the SQL worker that drains it, which the
    /// route itself then checks too, unless the table's columns are the route's own fields, whose rule the route's
    /// already is); a queue only an SQL worker drains takes what that sink can map. Queues with neither have no rule.
    /// </summary>
    private static Dictionary<string, IMessageBodyRule> ResolveBodyRules(
        List<ResolvedRoute> routes, List<ResolvedWorker> workers, List<SqlSinkOptions> sinks)
    {
        var drainedInto = new Dictionary<string, SqlSinkOptions>(StringComparer.Ordinal);
        foreach (var worker in workers.Where(w => w.Config.Handler.Kind == Processing.MessageHandlerOptions.SqlKind))
        {
            drainedInto.TryAdd(
                worker.Queue, sinks.First(s => string.Equals(s.Name, worker.Config.Handler.Sink, StringComparison.OrdinalIgnoreCase)));
        }

        var rules = new Dictionary<string, IMessageBodyRule>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (route.Options.Topic is not null)
            {
                // Each subscription's queue is drained on its own terms; the route checks its fields.
                route.Options.SinkRule = null;
                continue;
            }

            if (route.Options.Stream is { } stream)
            {
                // A stream route checks its sink's table itself; no other door leads into the stream here.
                route.Options.SinkRule = drainedInto.TryGetValue(stream, out var streamSink) ? SqlSinkFactory.CreateRecordRule(streamSink) : null;
                continue;
            }

            // Checking a record against columns made from the very fields it was just checked against would parse every
            // record twice on the ingest path for nothing.
            route.Options.SinkRule = drainedInto.TryGetValue(route.Options.QueueName, out var sink) && !HoldsExactly(sink, route)
                ? SqlSinkFactory.CreateRecordRule(sink)
                : null;
            try
            {
                rules[route.Options.QueueName] = MessageBodyRules.ForRoute(route.Options, $"{Root}:Routes:{route.Name}");
            }
            catch (GatewayConfigurationException e)
            {
                throw ConfigurationException.From(e);
            }
        }

        foreach (var (queue, sink) in drainedInto)
        {
            rules.TryAdd(queue, MessageBodyRules.ForSink(SqlSinkFactory.CreateRecordRule(sink)));
        }

        return rules;
    }

    /// <summary>Whether the sink's columns are the route's fields, type for type: then the route's rule is the sink's.</summary>
    private static bool HoldsExactly(SqlSinkOptions sink, ResolvedRoute route) =>
        ColumnsOf(route) is { } own && sink.Columns.SequenceEqual(own);
}
