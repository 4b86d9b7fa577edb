namespace Spillway.DeliveryStreams;

/// <summary>
/// A Spillway stream a delivery stream reads its records from (Firehose's <c>KinesisStreamAsSource</c>) instead of
/// taking puts: every shard in order, parents before children, each record once.
/// </summary>
/// <param name="Stream">The stream's name.</param>
/// <param name="FromOldest">Start at the oldest record the stream keeps (<c>TRIM_HORIZON</c>) rather than at records
/// written after the delivery stream was made (<c>LATEST</c>, Firehose's behaviour and the default).</param>
public sealed record DeliveryStreamSource(string Stream, bool FromOldest = false);
