using Spillway.Messaging;

namespace Spillway.Transport.Internal;

/// <summary>Receives from one engine queue; failed messages reappear after their visibility timeout, as in SQS.</summary>
internal sealed class EmbeddedReceiver(MessageQueue queue) : IQueueReceiver
{
    public string QueueName => queue.Name;

    public TimeSpan VisibilityTimeout => queue.Definition.VisibilityTimeout;

    public ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(ReceiveOptions options, CancellationToken cancellationToken) =>
        queue.ReceiveAsync(options, cancellationToken);

    public async ValueTask<int> DeleteBatchAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken)
    {
        var results = await queue.DeleteBatchAsync(receiptHandles, cancellationToken).ConfigureAwait(false);
        return results.Count(static r => r);
    }

    public bool ChangeVisibility(string receiptHandle, TimeSpan visibilityTimeout) =>
        queue.ChangeVisibility(receiptHandle, visibilityTimeout);

    public ValueTask ReleaseAsync(IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
