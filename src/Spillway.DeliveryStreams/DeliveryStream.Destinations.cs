using System.Globalization;
using Spillway.DeliveryStreams.Destinations;
using Spillway.DeliveryStreams.Internal;
using Spillway.Sinks;

namespace Spillway.DeliveryStreams;

public sealed partial class DeliveryStream
{
    /// <summary>The error type of buffers an HTTP endpoint did not accept within the retry duration.</summary>
    public const string HttpEndpointFailed = "http-endpoint-failed";

    /// <summary>The error type of records a SQL table could not take.</summary>
    public const string SqlTableFailed = "sql-table-failed";

    /// <summary>
    /// Delivers a cut to the HTTP endpoint or the SQL table, after the transform when there is one: what was delivered,
    /// the files for the bucket (records that failed, and with <see cref="HttpEndpointDestination.BackupAllData"/> every
    /// record), and what to do once those files are stored.
    /// </summary>
    private async Task<DestinationDelivery> DeliverToDestinationAsync(PendingFile file, DeliveryStreamDefinition current, CancellationToken token)
    {
        var (kept, failures) = await TransformStageAsync(file, current, token).ConfigureAwait(false);
        var files = new List<OutputFile>();
        var delivery = current.HttpEndpoint is { } endpoint
            ? await SendAsync(file, endpoint, kept, failures, files, current, token).ConfigureAwait(false)
            : await LoadAsync(file, current.SqlTable!, kept, failures, current, token).ConfigureAwait(false);
        files.AddRange(ErrorFiles(file, failures, current));
        return delivery with { Files = files };
    }

    private async Task<DestinationDelivery> SendAsync(
        PendingFile file,
        HttpEndpointDestination endpoint,
        List<(BufferedRecord Record, ReadOnlyMemory<byte> Data)> kept,
        Dictionary<string, List<FailedRecord>> failures,
        List<OutputFile> files,
        DeliveryStreamDefinition current,
        CancellationToken token)
    {
        if (kept.Count == 0)
        {
            return new DestinationDelivery([], 0, 0, null);
        }

        var data = kept.Select(k => k.Data).ToArray();
        if (endpoint.BackupAllData)
        {
            files.Add(RecordsFile(KeyOf(file, current), data, current) with { IsBackup = true });
        }

        // One request id per cut: the same at every attempt and after a restart, so an endpoint can drop a repeat.
        var requestId = IdOf($"{current.Name}/{incarnation}/{file.CutPosition}/http").ToString();
        var outcome = await endpointSender.SendAsync(
            endpoint, functions.StreamArn(current.Name), requestId, data, () => Interlocked.Increment(ref deliveryFailures), token).ConfigureAwait(false);
        if (outcome.Delivered)
        {
            return new DestinationDelivery([], kept.Count, outcome.BodyBytes, null);
        }

        failures[HttpEndpointFailed] = [.. kept.Select(k => new FailedRecord(
            k.Record.ArrivalMs, outcome.Attempts, outcome.EndingMs, outcome.ErrorCode!, outcome.ErrorMessage!, k.Data, null))];
        return new DestinationDelivery([], 0, 0, null);
    }

    private async Task<DestinationDelivery> LoadAsync(
        PendingFile file,
        SqlTableDestination table,
        List<(BufferedRecord Record, ReadOnlyMemory<byte> Data)> kept,
        Dictionary<string, List<FailedRecord>> failures,
        DeliveryStreamDefinition current,
        CancellationToken token)
    {
        // Row ids and the checkpoint come from the records' and the cut's places in this incarnation's log, so a cut
        // loaded again finds its rows and a stream made again under the same name never meets the old one's.
        var records = kept.Select(k => new SinkRecord(
            IdOf($"{current.Name}/{incarnation}/{k.Record.Position}"), k.Data, DateTimeOffset.FromUnixTimeMilliseconds(k.Record.ArrivalMs))).ToArray();
        var checkpoint = new StreamCheckpoint(
            "firehose/" + current.Name, table.Table, incarnation, file.CutPosition.ToString("D19", CultureInfo.InvariantCulture));
        IReadOnlyList<RejectedRecord> rejected = [];
        SqlTableLoader? loader = null;

        // The sink is made inside the attempt: a database gone from the configuration since the stream was made is
        // retried (and counted) like one that does not answer, until it is back.
        await RetryAsync(
            async cancellationToken =>
            {
                loader = await TableLoaderAsync(table, current.Version).ConfigureAwait(false);
                rejected = await loader.LoadAsync(records, checkpoint, cancellationToken).ConfigureAwait(false);
            },
            token).ConfigureAwait(false);
        if (rejected.Count == 0)
        {
            return new DestinationDelivery([], kept.Count, kept.Sum(k => (long)k.Data.Length), null);
        }

        var index = records.Select((r, i) => (r.MessageId, i)).ToDictionary(p => p.MessageId, p => p.i);
        var refused = new HashSet<int>(rejected.Select(r => index[r.MessageId]));

        // Every field comes from the log or the database's answer, so a backup written again is the same file.
        failures[SqlTableFailed] = [.. rejected.Select(r =>
        {
            var (record, data) = kept[index[r.MessageId]];
            return new FailedRecord(record.ArrivalMs, 1, record.ArrivalMs, "SqlTable.RecordRejected", r.Reason, data, null);
        })];
        return new DestinationDelivery(
            [],
            kept.Count - refused.Count,
            kept.Where((_, i) => !refused.Contains(i)).Sum(k => (long)k.Data.Length),
            cancellationToken => loader!.CompleteAsync(checkpoint, cancellationToken).AsTask());
    }

    /// <summary>The sink of the table for the destination's <paramref name="version"/>, made when the version changed.</summary>
    private async Task<SqlTableLoader> TableLoaderAsync(SqlTableDestination table, int version)
    {
        if (tableLoader is { } known && known.Version == version)
        {
            return known;
        }

        if (tableLoader is not null)
        {
            await tableLoader.DisposeAsync().ConfigureAwait(false);
            tableLoader = null;
        }

        tableLoader = new SqlTableLoader(SqlSinkFactory.Create(databases.Resolve(table) with { TimeProvider = time }), version);
        return tableLoader;
    }

    /// <summary>What a delivery to an endpoint or a table did: the files for the bucket, the records and bytes delivered,
    /// and what to do once the files are stored.</summary>
    private sealed record DestinationDelivery(IReadOnlyList<OutputFile> Files, int Records, long Bytes, Func<CancellationToken, Task>? AfterStored);
}
