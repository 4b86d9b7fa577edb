using Spillway.Messaging;

namespace Spillway.Processing.Internal;

internal sealed class DelegateMessageHandler(Func<MessageBatch, CancellationToken, ValueTask<BatchOutcome>> handle) : IMessageHandler
{
    public ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken) => handle(batch, cancellationToken);
}

/// <summary>
/// Handles messages one by one and reports the ones that threw, the usual shape of a partial-batch handler. A sink
/// outage is not the message's fault, so it propagates and the mapping holds the batch instead.
/// </summary>
internal sealed class PerMessageHandler(Func<ReceivedMessage, CancellationToken, ValueTask> handle) : IMessageHandler
{
    public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        List<Guid>? failed = null;
        foreach (var message in batch.Messages)
        {
            try
            {
                await handle(message, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not Sinks.SinkUnavailableException)
            {
                (failed ??= []).Add(message.MessageId);
            }
        }

        return failed is null ? BatchOutcome.Success : new BatchOutcome(failed);
    }
}
