using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Spillway.Messaging.Streams;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// Declares each stream's shards and its checkpoints (<see cref="CheckpointLog"/>) as RabbitMQ stream queues
/// (<c>x-queue-type: stream</c>, the retention as <c>x-max-age</c>), and the layout as a queue of its own, <c>&lt;stream&gt;.layout</c>, whose <c>x-max-length</c> is
/// the shard count. It is never published to: it is there so that the broker, which checks that a redeclaration has
/// the same arguments, refuses a node configured with another shard count instead of letting two nodes route the same
/// partition key to different shards.
/// </summary>
internal static class StreamTopology
{
    public static async Task DeclareAsync(IChannel channel, IReadOnlyList<ShardLayout> streams, CancellationToken cancellationToken)
    {
        foreach (var stream in streams)
        {
            await DeclareOneAsync(channel, LayoutQueue(stream.StreamName), LayoutArguments(stream), stream, "shard count", cancellationToken)
                .ConfigureAwait(false);
            foreach (var queue in stream.Shards.Select(stream.QueueOf).Append(CheckpointLog.QueueOf(stream.StreamName)))
            {
                await DeclareOneAsync(channel, queue, ShardArguments(stream.Definition), stream, "retention", cancellationToken)
                    .ConfigureAwait(false);
            }
        }
    }

    public static string LayoutQueue(string stream) => stream + ".layout";

    public static Dictionary<string, object?> ShardArguments(StreamDefinition definition) => new()
    {
        ["x-queue-type"] = "stream",
        // Whole hours (the definition guarantees it); RabbitMQ drops whole segments older than this.
        ["x-max-age"] = ((long)definition.Retention.TotalHours).ToString(CultureInfo.InvariantCulture) + "h",
    };

    private static Dictionary<string, object?> LayoutArguments(ShardLayout stream) => new()
    {
        ["x-queue-type"] = "classic",
        ["x-max-length"] = stream.Shards.Count,
    };

    // A refusal closes the channel and fails the connection attempt, which the keeper retries and reports; the
    // broker's reply text names the argument.
    private static async Task DeclareOneAsync(
        IChannel channel, string queue, Dictionary<string, object?> arguments, ShardLayout stream, string what, CancellationToken ct)
    {
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: ct)
                .ConfigureAwait(false);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            throw new StreamLayoutMismatchException(
                $"stream '{stream.StreamName}' exists in RabbitMQ with another {what} than this node's " +
                $"({stream.Shards.Count} shards, {stream.Definition.Retention.TotalHours:0} h): {e.ShutdownReason.ReplyText}");
        }
    }
}

/// <summary>The broker holds a stream whose shard count or retention differs from this node's definition. It carries
/// no inner exception: the connection keeper reports the innermost message, and this one says what to fix.</summary>
internal sealed class StreamLayoutMismatchException(string message) : InvalidOperationException(message);
