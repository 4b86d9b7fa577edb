using Spillway.Messaging.Streams;

namespace Spillway.Transport.Internal;

internal sealed class EmbeddedStreamProducer(DataStream stream, StatusCache status) : IStreamProducer
{
    public string StreamName => stream.Name;

    public TransportStatus Status => status.Read();

    public ValueTask<IReadOnlyList<PutOutcome>> PutAsync(IReadOnlyList<StreamRecordInput> records, CancellationToken cancellationToken) =>
        stream.PutAsync(records, cancellationToken);
}
