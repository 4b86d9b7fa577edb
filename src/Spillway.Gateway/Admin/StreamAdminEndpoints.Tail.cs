using System.Globalization;
using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Messaging.Streams;
using static Spillway.Gateway.Admin.QueueAdminEndpoints;

namespace Spillway.Gateway.Admin;

/// <summary>
/// <c>GET /v1/streams/{name}/tail?from=trim_horizon|latest|at_timestamp&amp;timestamp=…&amp;limit=N</c>: the stream's
/// records as newline-delimited JSON (<c>{"shardId","sequenceNumber","approximateArrivalTimestamp","partitionKey","data"}</c>,
/// data in base64), written as they arrive until the client goes away or <c>limit</c> records are sent. It reads as a
/// consumer would, without one: no checkpoint is written, nothing is moved. Across a reshard it finishes a parent before
/// its children, so each partition key's records come in order. <c>timestamp</c> (for <c>at_timestamp</c>) is an ISO 8601
/// time or seconds since the epoch, as the AWS CLI takes it.
/// </summary>
public static partial class StreamAdminEndpoints
{
    private const int TailReadLimit = 1000;

    private static readonly TimeSpan TailWait = TimeSpan.FromSeconds(1);

    private static void MapTail(RouteGroupBuilder group, StreamStore streams)
    {
        group.MapGet("/{name}/tail", async (string name, string? from, string? timestamp, long? limit, HttpContext context) =>
        {
            if (!streams.TryGet(name, out var stream))
            {
                return Problem(StatusCodes.Status404NotFound, "Unknown stream", $"Stream '{name}' does not exist.");
            }

            if (limit is < 1)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid limit", $"limit must be at least 1 (got {limit}).");
            }

            var (start, at, problem) = ParseStart(from, timestamp);
            if (problem is not null)
            {
                return problem;
            }

            await TailAsync(stream, start, at, limit ?? long.MaxValue, context.Response, context.RequestAborted).ConfigureAwait(false);
            return Results.Empty;
        });
    }

    private static (IteratorStart Start, DateTimeOffset? At, IResult? Problem) ParseStart(string? from, string? timestamp)
    {
        var start = from?.ToUpperInvariant() switch
        {
            null or "LATEST" => IteratorStart.Latest,
            "TRIM_HORIZON" => IteratorStart.TrimHorizon,
            "AT_TIMESTAMP" => IteratorStart.AtTimestamp,
            _ => (IteratorStart?)null,
        };
        if (start is null)
        {
            return (default, null, Problem(
                StatusCodes.Status400BadRequest, "Invalid from", $"from must be trim_horizon, latest or at_timestamp (got '{from}')."));
        }

        if (start != IteratorStart.AtTimestamp)
        {
            return timestamp is null
                ? (start.Value, null, null)
                : (default, null, Problem(StatusCodes.Status400BadRequest, "Invalid timestamp", "timestamp goes only with from=at_timestamp."));
        }

        if (timestamp is null)
        {
            return (default, null, Problem(StatusCodes.Status400BadRequest, "Missing timestamp", "from=at_timestamp needs timestamp."));
        }

        if (double.TryParse(timestamp, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and < 1e11)
        {
            return (IteratorStart.AtTimestamp, DateTimeOffset.UnixEpoch.AddSeconds(seconds), null);
        }

        return DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? (IteratorStart.AtTimestamp, time, null)
            : (default, null, Problem(
                StatusCodes.Status400BadRequest,
                "Invalid timestamp",
                $"timestamp must be an ISO 8601 time or seconds since the epoch (got '{timestamp}')."));
    }

    private static async Task TailAsync(
        DataStream stream, IteratorStart start, DateTimeOffset? at, long limit, HttpResponse response, CancellationToken aborted)
    {
        // Positions first: a record put once the client has the headers is after "latest".
        var cursor = new TailCursor(stream, start, at);
        response.ContentType = "application/x-ndjson";
        response.Headers.CacheControl = "no-cache";
        // The headers go out now, so a client sees the tail open before the first record arrives.
        await response.StartAsync(aborted).ConfigureAwait(false);
        await response.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
        var sent = 0L;
        try
        {
            await using var json = new Utf8JsonWriter(response.BodyWriter);
            while (sent < limit)
            {
                var records = cursor.Read(TailReadLimit);
                foreach (var (shardId, record) in records)
                {
                    Write(json, response.BodyWriter, shardId, record);
                    if (++sent == limit)
                    {
                        break;
                    }
                }

                if (records.Count > 0)
                {
                    await response.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
                }
                else if (cursor.Throttled > TimeSpan.Zero)
                {
                    await Task.Delay(cursor.Throttled, aborted).ConfigureAwait(false);
                }
                else
                {
                    await cursor.WaitAsync(TailWait, aborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: the usual end of a tail.
        }
        catch (StreamNotFoundException)
        {
            // The stream was deleted while it was tailed; the response ends with the records it had.
        }
    }

    private static void Write(Utf8JsonWriter json, PipeWriter body, string shardId, StreamRecord record)
    {
        json.WriteStartObject();
        json.WriteString("shardId", shardId);
        json.WriteString("sequenceNumber", record.SequenceNumber);
        json.WriteString("approximateArrivalTimestamp", record.ApproximateArrivalTimestamp);
        json.WriteString("partitionKey", record.PartitionKey);
        json.WriteBase64String("data", record.Data.Span);
        json.WriteEndObject();
        json.Flush();
        body.Write("\n"u8);
        json.Reset();
    }
}
