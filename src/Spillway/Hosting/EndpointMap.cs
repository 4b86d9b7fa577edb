using Spillway.Dashboard;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Gateway.Reads;
using Spillway.Hosting.Aggregations;
using Spillway.Firehose;
using Spillway.Kinesis;
using Spillway.S3;
using Spillway.Sns;
using Spillway.Operations;
using Spillway.Sqs;

namespace Spillway.Hosting;

/// <summary>Maps every HTTP endpoint of a server over the parts it opened, each group given only what it reads.</summary>
internal static class EndpointMap
{
    public static void Map(WebApplication app, ServerParts parts, SpillwayOptions options, ResolvedConfiguration configuration, string? sqsRefusal, SnsNotifications? notifications)
    {
        var gateway = options.Gateway;
        var transport = parts.Pipeline.Transport;

        // One set of access keys signs every AWS API: SQS's (Spillway:Sqs).
        var credentials = options.Sqs.HasCredentials
            ? Aws.Signing.SigningCredentials.Create([new(options.Sqs.AccessKeyId!, options.Sqs.SecretAccessKey!)])
            : Aws.Signing.SigningCredentials.None;

        // A worker maps no route, but MapIngestRoutes with none still maps the health endpoint.
        var routes = parts.Role == ServerRole.Worker ? [] : configuration.Routes.Select(r => r.Options);
        app.MapIngestRoutes(transport, routes, gateway, parts.IngestMetrics);
        app.MapQueueAdmin(transport.Admin, gateway);
        app.MapStreamAdmin(parts.Engine.Streams, gateway);
        if (parts.Pipeline.EngineQueues is { } engine)
        {
            app.MapTopicAdmin(engine, gateway);
            app.MapSqsApi(engine, options.Sqs, new SqsApiSettings
            {
                ConfiguredQueues = ConfiguredQueues(configuration),
                StateDirectory = Path.Combine(configuration.DataDirectory, "sqs"),
                RefusalReason = sqsRefusal,
                BodyRules = queue => configuration.BodyRules.GetValueOrDefault(queue),
            });
            app.MapKinesisApi(engine, options.Kinesis, new KinesisApiSettings
            {
                Account = SqsHosting.Account(options),
                Credentials = credentials,
                RefusalReason = sqsRefusal,
            });
            if (notifications is not null)
            {
                app.MapSnsApi(engine, new SnsApiSettings
                {
                    Account = SqsHosting.Account(options),
                    Credentials = credentials,
                    RefusalReason = sqsRefusal,
                    Notifications = notifications,
                });
            }
        }

        app.MapDeliveryStreamAdmin(parts.DeliveryStreams, gateway);
        app.MapFirehoseApi(parts.DeliveryStreams, options.Firehose, new FirehoseApiSettings
        {
            Account = SqsHosting.Account(options),
            Credentials = credentials,
            RefusalReason = sqsRefusal,
            StreamExists = parts.Pipeline.Transport.Streams is { } streams ? name => streams.FindProducer(name) is not null : null,
        });
        if (options.Objects.S3Api)
        {
            app.UseS3Api(parts.Objects, new S3.S3ApiSettings
            {
                Credentials = credentials,
                RefusalReason = sqsRefusal,
                VirtualHostSuffixes = options.Objects.VirtualHostSuffixes.Count > 0 ? options.Objects.VirtualHostSuffixes : ["localhost"],
            });
        }

        app.MapObjectAdmin(parts.Objects, gateway);
        app.MapWorkerAdmin(parts.Workers.All, gateway);
        app.MapAggregations(parts.Aggregations, gateway);
        app.MapMetrics(parts.Exporter, options.Metrics, gateway);
        app.MapReadiness(new ReadinessSources(
            () => parts.Engine.Status,
            parts.Pipeline.EngineQueues is null ? transport : null,
            parts.Sinks.Values,
            new Operations.Internal.SinkProbe(parts.SinkMetrics)));
        app.MapDashboard(
            new OverviewSource(
                parts.Time, parts.Engine, parts.Workers.All, parts.Sinks, OverviewSource.Describe(configuration.Routes), parts.DeliveryStreams, parts.Objects,
                parts.Aggregations),
            gateway);
        app.MapReadApi(parts.DataAccess.Exposed, gateway);
        app.MapExports(parts.DataAccess.Exports, gateway);
    }

    /// <summary>The queues the configuration owns, each with the key that defines it (a route or worker before the queue entry).</summary>
    private static Dictionary<string, string> ConfiguredQueues(ResolvedConfiguration configuration)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DataAccess.DataAccessRuntime.QueueName] = $"{SpillwayOptions.SectionName}:Exports",
        };
        foreach (var queue in configuration.Queues)
        {
            owners[queue.Name] = $"{SpillwayOptions.SectionName}:Queues:{queue.Name}";
        }

        foreach (var worker in configuration.Workers)
        {
            owners[worker.Queue] = $"{SpillwayOptions.SectionName}:Workers:{worker.Name}";
        }

        foreach (var route in configuration.Routes)
        {
            owners[route.Options.QueueName] = $"{SpillwayOptions.SectionName}:Routes:{route.Name}";
        }

        return owners;
    }
}
