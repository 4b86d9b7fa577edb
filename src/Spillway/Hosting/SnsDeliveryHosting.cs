using System.Diagnostics.Metrics;
using Spillway.Messaging;
using Spillway.Notifications;
using Spillway.Operations.Alarms;
using Spillway.Processing;
using Spillway.Sns.Delivery;

namespace Spillway.Hosting;

/// <summary>
/// Builds the SNS delivery worker over the node's engine, with what it reaches through the host: the alarms' SMTP server
/// (<c>Spillway:Alarms:Email</c>) for e-mail subscriptions, and the configured workers as the functions of <c>lambda</c>
/// subscriptions.
/// </summary>
internal static class SnsDeliveryHosting
{
    public static SnsDeliveryService? Create(
        QueueEngine? engine,
        bool snsEnabled,
        ResolvedConfiguration configuration,
        ResolvedAlarms alarms,
        HandlerRegistry? registry,
        DeliveryStreams.DeliveryStreamStore deliveryStreams,
        Transport.IStreamTransport? streams,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory)
    {
        // Topics deliver from the embedded engine only; without the SNS API nothing signs the envelopes they would carry.
        if (engine is null || !snsEnabled)
        {
            return null;
        }

        var smtp = alarms.Options.Email;
        SmtpMailer? mailer = string.IsNullOrWhiteSpace(smtp.Host) ? null : new SmtpMailer(smtp, alarms.EmailPassword, time);
        var functions = new WorkerFunctions(configuration.Workers, registry ?? HandlerRegistry.Default, time);
        return new SnsDeliveryService(engine, new SnsDeliverySettings
        {
            TimeProvider = time,
            SendMail = mailer is null ? null : (to, subject, body, cancellationToken) => mailer.SendAsync([to], subject, body, cancellationToken),
            InvokeFunction = functions.InvokeAsync,
            PutToDeliveryStream = (name, record, cancellationToken) => deliveryStreams.TryGet(name, out var stream)
                ? stream.PutAsync([record], cancellationToken).AsTask()
                : throw new InvalidOperationException($"Delivery stream {name} does not exist."),
            PutToStream = streams is null ? null : (name, partitionKey, record, cancellationToken) => PutAsync(streams, name, partitionKey, record, cancellationToken),
            MeterFactory = meterFactory,
            LoggerFactory = loggerFactory,
        });
    }

    private static async Task PutAsync(Transport.IStreamTransport streams, string name, string partitionKey, ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        var producer = streams.FindProducer(name) ?? throw new InvalidOperationException($"Stream {name} does not exist.");
        var outcome = await producer.PutAsync([new Messaging.Streams.StreamRecordInput(record, partitionKey)], cancellationToken).ConfigureAwait(false);
        if (outcome[0].Throttled)
        {
            throw new InvalidOperationException($"Stream {name} throttled the record (its shard's write quota).");
        }
    }
}
