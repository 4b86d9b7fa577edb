using System.IO.Compression;
using Spillway.DeliveryStreams.Conversion;
using Spillway.DeliveryStreams.Internal;
using Spillway.DeliveryStreams.Transform;

namespace Spillway.DeliveryStreams;

public sealed partial class DeliveryStream
{
    /// <summary>The error type of records the transform's function failed, or could not be called for.</summary>
    public const string ProcessingFailed = "processing-failed";

    /// <summary>The error type of records that do not fit the Parquet schema.</summary>
    public const string FormatConversionFailed = "format-conversion-failed";

    /// <summary>
    /// The files of a cut with a transform or a conversion: the records (transformed, then converted) in one file, and the
    /// records that failed each step in an error file of the step's type. The transform's outcomes are made durable before
    /// any of them is written, and the conversion depends on nothing else, so a cut written again gives the same files.
    /// </summary>
    private async Task<IReadOnlyList<OutputFile>> ProcessAsync(PendingFile file, DeliveryStreamDefinition current, CancellationToken token)
    {
        var (kept, failures) = await TransformStageAsync(file, current, token).ConfigureAwait(false);
        var outputs = new List<OutputFile>();
        var key = KeyOf(file, current);
        if (current.Conversion is { } conversion)
        {
            var (parquet, failed) = await new ParquetFileBuilder(conversion)
                .BuildAsync([.. kept.Select(k => k.Data)], token).ConfigureAwait(false);
            foreach (var (index, reason) in failed)
            {
                var record = kept[index].Record;
                Failures(FormatConversionFailed).Add(new FailedRecord(
                    record.ArrivalMs, 1, record.ArrivalMs, ParquetFileBuilder.MalformedData, reason, kept[index].Data, null));
            }

            if (parquet is not null)
            {
                outputs.Add(new OutputFile(
                    key.Key,
                    key.IsError,
                    kept.Count - failed.Count,
                    null,
                    (destination, cancellationToken) => destination.WriteAsync(parquet, cancellationToken).AsTask()));
            }
        }
        else if (kept.Count > 0)
        {
            outputs.Add(RecordsFile(key, [.. kept.Select(k => k.Data)], current));
        }

        outputs.AddRange(ErrorFiles(file, failures, current));
        return outputs;

        List<FailedRecord> Failures(string type)
        {
            if (!failures.TryGetValue(type, out var list))
            {
                failures[type] = list = [];
            }

            return list;
        }
    }

    /// <summary>
    /// The cut's records after the transform, when there is one: those to deliver, with their data, and those that
    /// failed, by error type. The transform's outcomes are durable before this returns, so a cut delivered again gets the
    /// same records.
    /// </summary>
    private async Task<(List<(BufferedRecord Record, ReadOnlyMemory<byte> Data)> Kept, Dictionary<string, List<FailedRecord>> Failures)> TransformStageAsync(
        PendingFile file, DeliveryStreamDefinition current, CancellationToken token)
    {
        var raw = file.Records.Select(ReadData).ToArray();
        var kept = new List<(BufferedRecord Record, ReadOnlyMemory<byte> Data)>(raw.Length);
        var failures = new Dictionary<string, List<FailedRecord>>(StringComparer.Ordinal);
        if (current.Transform is not { } transform)
        {
            kept.AddRange(file.Records.Select((r, i) => (r, (ReadOnlyMemory<byte>)raw[i])));
            return (kept, failures);
        }

        file.Transformed ??= await TransformAsync(file, raw, transform, current, token).ConfigureAwait(false);
        for (var i = 0; i < raw.Length; i++)
        {
            var outcome = file.Transformed[i];
            switch (outcome.Result)
            {
                case TransformResult.Ok:
                    kept.Add((file.Records[i], outcome.Data));
                    break;
                case TransformResult.Failed:
                    if (!failures.TryGetValue(ProcessingFailed, out var failed))
                    {
                        failures[ProcessingFailed] = failed = [];
                    }

                    failed.Add(new FailedRecord(
                        file.Records[i].ArrivalMs,
                        outcome.Attempts,
                        outcome.EndingMs,
                        outcome.ErrorCode ?? "Lambda.ProcessingFailed",
                        outcome.ErrorMessage ?? "The record could not be transformed.",
                        outcome.Data,
                        transform.Function));
                    break;
            }
        }

        return (kept, failures);
    }

    /// <summary>The file of the records <paramref name="lines"/> under <paramref name="key"/>, each followed by a newline
    /// when asked, gzipped when asked.</summary>
    private static OutputFile RecordsFile((string Key, bool IsError) key, ReadOnlyMemory<byte>[] lines, DeliveryStreamDefinition current) =>
        new(
            key.Key,
            key.IsError,
            lines.Length,
            current.Compression == DeliveryCompression.Gzip ? "gzip" : null,
            (destination, cancellationToken) => WriteAllAsync(destination, lines, current.AppendNewline, current, cancellationToken));

    /// <summary>One error file per error type of the cut, each with an id of its own, in Firehose's error line shape.</summary>
    private IEnumerable<OutputFile> ErrorFiles(PendingFile file, Dictionary<string, List<FailedRecord>> failures, DeliveryStreamDefinition current)
    {
        foreach (var (type, records) in failures)
        {
            var errorKey = ErrorKeyOf(file, type, current, distinct: true);
            var lines = records.Select(r => (ReadOnlyMemory<byte>)ErrorLine(r)).ToArray();
            yield return new OutputFile(
                errorKey.Key,
                true,
                lines.Length,
                current.Compression == DeliveryCompression.Gzip ? "gzip" : null,
                (destination, cancellationToken) => WriteAllAsync(destination, lines, newline: false, current, cancellationToken));
        }
    }

    /// <summary>Runs the cut's records through the transform and makes every outcome durable in the log before returning.</summary>
    private async Task<TransformedRecord[]> TransformAsync(
        PendingFile file, byte[][] raw, RecordTransform transform, DeliveryStreamDefinition current, CancellationToken token)
    {
        var inputs = file.Records.Select((r, i) => new TransformInvoker.Input(RecordId(r.Position), r.ArrivalMs, raw[i])).ToArray();
        var outcomes = await transformer.RunAsync(transform, current.Name, inputs, $"{current.Name}/{file.CutPosition}", token).ConfigureAwait(false);

        // In batches of a few MiB: a transformed file can be large, and each batch is one contiguous write.
        const int BatchBytes = 8 * 1024 * 1024;
        var index = 0;
        while (index < outcomes.Length)
        {
            var count = 0;
            var total = 0;
            while (index + count < outcomes.Length && (count == 0 || total + DeliveryLog.TransformedSize(outcomes[index + count]) <= BatchBytes))
            {
                total += DeliveryLog.TransformedSize(outcomes[index + count]);
                count++;
            }

            var payloads = new byte[total];
            var lengths = new int[count];
            var offset = 0;
            for (var i = 0; i < count; i++)
            {
                lengths[i] = DeliveryLog.TransformedSize(outcomes[index + i]);
                DeliveryLog.WriteTransformed(payloads.AsSpan(offset, lengths[i]), file.CutPosition, index + i, outcomes[index + i]);
                offset += lengths[i];
            }

            _ = log.AppendBatch(DeliveryLog.Transformed, payloads, lengths, new long[count]);
            index += count;
        }

        var done = log.Append(DeliveryLog.TransformDone, DeliveryLog.EncodeTransformDone(file.CutPosition, outcomes.Length));
        await done.Durable.WaitAsync(token).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>The data of a record in the log, its checksum checked.</summary>
    private byte[] ReadData(BufferedRecord record)
    {
        var payload = log.ReadRecord(record.Position, out var type);
        return payload[DeliveryLog.ReadRecord(type, payload).DataOffset..];
    }

    private static async Task WriteAllAsync(
        Stream destination, ReadOnlyMemory<byte>[] lines, bool newline, DeliveryStreamDefinition current, CancellationToken cancellationToken)
    {
        var output = current.Compression == DeliveryCompression.Gzip
            ? new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true)
            : destination;
        try
        {
            foreach (var line in lines)
            {
                await output.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                if (newline)
                {
                    output.WriteByte((byte)'\n');
                }
            }
        }
        finally
        {
            if (output != destination)
            {
                await output.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
