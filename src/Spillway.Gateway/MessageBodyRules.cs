using Spillway.Gateway.Internal;
using Spillway.Messaging;
using Spillway.Sinks;

namespace Spillway.Gateway;

/// <summary>
/// The <see cref="IMessageBodyRule"/>s of a queue's consumers, for the doors into a queue other than its route (the
/// SQS API, say), so that whatever path a record comes by, it meets the rules <c>POST</c> on the route applies and
/// no client is told "stored" for a record that will never become a row.
/// </summary>
public static class MessageBodyRules
{
    /// <summary>
    /// The rule of a route: what <c>POST</c> on <paramref name="route"/> applies to one record (its fields, unknown
    /// fields, nesting, and its <see cref="IngestRouteOptions.SinkRule"/> when set), to a body that must be one JSON
    /// object. Takes a snapshot: later changes to <paramref name="route"/> have no effect. Throws
    /// <see cref="GatewayConfigurationException"/> naming the bad key, under <paramref name="configurationKey"/>.
    /// </summary>
    public static IMessageBodyRule ForRoute(IngestRouteOptions route, string configurationKey = "Spillway:Routes")
    {
        ArgumentNullException.ThrowIfNull(route);
        route.Validate(configurationKey);
        return new RouteBodyRule(route.Path, RecordValidator.For(route));
    }

    /// <summary>
    /// The rule of an SQL sink: a body its table could never hold (not a JSON object, a field of the wrong type, text
    /// with U+0000, a required field missing, …). For a queue a sink drains that no route feeds; a route's rule holds
    /// its sink's through <see cref="IngestRouteOptions.SinkRule"/>.
    /// </summary>
    public static IMessageBodyRule ForSink(SinkRecordRule sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return new SinkBodyRule(sink);
    }

    private sealed class SinkBodyRule(SinkRecordRule sink) : IMessageBodyRule
    {
        public string? Check(ReadOnlySpan<byte> body) => sink.Check(body) is { } problem ? $"The table cannot hold the body: {problem}." : null;
    }
}
