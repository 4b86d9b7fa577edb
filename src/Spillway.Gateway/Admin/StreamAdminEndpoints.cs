using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Gateway.Internal;
using Spillway.Messaging.Streams;
using Spillway.Storage;
using static Spillway.Gateway.Admin.QueueAdminEndpoints;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The operator's view of the engine's streams, behind the same API keys as the queue admin:
/// <list type="bullet">
/// <item><c>GET /v1/streams</c> → <c>{"streams":[{"name","status","mode","retentionHours","enforceShardQuotas","createdAt",
/// "openShards","recordsKept","oldestRecordTimestamp","incomingRecords","incomingBytes"}]}</c></item>
/// <item><c>POST /v1/streams</c> with <c>{"name","shardCount","mode":"provisioned|onDemand","retentionHours",
/// "enforceShardQuotas"}</c> (all but the name optional) → 201 and the description; 200 when an identical stream exists,
/// 409 when a different one does</item>
/// <item><c>GET /v1/streams/{name}</c> → the same and <c>"shards"</c>: id, parents, hash-key range, sequence range, counts</item>
/// <item><c>POST /v1/streams/{name}/records</c> with <c>{"records":[{"partitionKey","data" (base64) or "text",
/// "explicitHashKey"}]}</c> → <c>{"failedRecordCount","records":[{"shardId","sequenceNumber"}]}</c>, answered once the
/// records are durable</item>
/// <item><c>GET /v1/streams/{name}/tail</c>: records as they arrive, see <c>MapTail</c></item>
/// </list>
/// </summary>
public static partial class StreamAdminEndpoints
{
    /// <summary>Maps the endpoints under <c>/v1/streams</c> over <paramref name="streams"/>.</summary>
    public static IEndpointRouteBuilder MapStreamAdmin(this IEndpointRouteBuilder endpoints, StreamStore streams, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(streams);
        var group = endpoints.MapGroup("/v1/streams").RequireApiKey(options).WithParameterProblems();

        group.MapGet("/", () => TypedResults.Json(
            new StreamList([.. streams.List().Select(s => Describe(s, withShards: false))]), StreamAdminJsonContext.Default.StreamList));

        group.MapPost("/", (HttpRequest request) => Answer(async () =>
        {
            var (body, problem) = await AdminRequests.ReadAsync(request, StreamAdminJsonContext.Default.StreamCreateRequest).ConfigureAwait(false);
            if (body is null)
            {
                return problem!;
            }

            var definition = ToDefinition(body);
            definition.Validate();
            if (streams.TryGet(definition.Name, out var existing))
            {
                return Same(existing.Definition, definition)
                    ? TypedResults.Json(Describe(existing, withShards: true), StreamAdminJsonContext.Default.StreamView)
                    : Problem(StatusCodes.Status409Conflict, "Stream exists", $"A stream named '{definition.Name}' exists with other settings.");
            }

            var created = await streams.CreateAsync(definition, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(Describe(created, withShards: true), StreamAdminJsonContext.Default.StreamView, statusCode: StatusCodes.Status201Created);
        }, cannot: "Invalid stream"));

        group.MapGet("/{name}", (string name) => Answer(() => Task.FromResult<IResult>(
            TypedResults.Json(Describe(Find(streams, name), withShards: true), StreamAdminJsonContext.Default.StreamView))));

        group.MapPost("/{name}/records", (string name, HttpRequest request) => Answer(async () =>
        {
            var stream = Find(streams, name);
            var (body, problem) = await AdminRequests.ReadAsync(request, StreamAdminJsonContext.Default.StreamPutRequest).ConfigureAwait(false);
            if (body is null)
            {
                return problem!;
            }

            var records = ToRecords(body);
            var outcomes = await stream.PutAsync(records, request.HttpContext.RequestAborted).ConfigureAwait(false);
            var results = outcomes.Select(o => o.Throttled
                ? new StreamPutOutcome(null, null, "ProvisionedThroughputExceeded", "The shard's write quota is exceeded; retry later.")
                : new StreamPutOutcome(o.ShardId, o.SequenceNumber)).ToList();
            return TypedResults.Json(
                new StreamPutResult(results.Count(r => r.ErrorCode is not null), results), StreamAdminJsonContext.Default.StreamPutResult);
        }, cannot: "Invalid records"));

        MapTail(group, streams);
        return endpoints;
    }

    private static DataStream Find(StreamStore streams, string name) =>
        streams.TryGet(name, out var stream) ? stream : throw new StreamNotFoundException($"Stream '{name}' does not exist.");

    private static StreamDefinition ToDefinition(StreamCreateRequest body)
    {
        if (string.IsNullOrWhiteSpace(body.Name))
        {
            throw new ArgumentException("The stream's name is required.");
        }

        var mode = body.Mode switch
        {
            null => StreamMode.Provisioned,
            _ when body.Mode.Equals("provisioned", StringComparison.OrdinalIgnoreCase) => StreamMode.Provisioned,
            _ when body.Mode.Equals("onDemand", StringComparison.OrdinalIgnoreCase) => StreamMode.OnDemand,
            _ => throw new ArgumentException($"mode must be provisioned or onDemand (got '{body.Mode}')."),
        };
        if (mode == StreamMode.OnDemand && body.ShardCount is not null)
        {
            throw new ArgumentException($"An onDemand stream starts with {StreamLimits.OnDemandInitialShards} shards; leave shardCount out.");
        }

        if (body.ShardCount is < 1 or > StreamLimits.MaxShards)
        {
            throw new ArgumentException($"shardCount must be between 1 and {StreamLimits.MaxShards} (got {body.ShardCount}).");
        }

        if (body.RetentionHours is < StreamLimits.MinRetentionHours or > StreamLimits.MaxRetentionHours)
        {
            throw new ArgumentException(
                $"retentionHours must be between {StreamLimits.MinRetentionHours} and {StreamLimits.MaxRetentionHours} (got {body.RetentionHours}).");
        }

        return new StreamDefinition
        {
            Name = body.Name,
            ShardCount = mode == StreamMode.OnDemand ? StreamLimits.OnDemandInitialShards : body.ShardCount ?? 1,
            Mode = mode,
            Retention = body.RetentionHours is { } hours ? TimeSpan.FromHours(hours) : StreamLimits.DefaultRetention,
            EnforceShardQuotas = body.EnforceShardQuotas ?? false,
        };
    }

    /// <summary>Whether a create asks for what exists (a reshard since makes the shard count differ: that is a different stream).</summary>
    private static bool Same(StreamDefinition existing, StreamDefinition asked) =>
        existing.Mode == asked.Mode
        && existing.Retention == asked.Retention
        && existing.EnforceShardQuotas == asked.EnforceShardQuotas
        && (asked.Mode == StreamMode.OnDemand || existing.ShardCount == asked.ShardCount);

    /// <summary>The body's records, each checked against Kinesis's limits; the first one at fault is named in the 400.</summary>
    private static StreamRecordInput[] ToRecords(StreamPutRequest body)
    {
        if (body.Records is not { Count: > 0 } entries)
        {
            throw new ArgumentException("records must hold at least one record.");
        }

        if (entries.Count > StreamLimits.MaxPutRecords)
        {
            throw new ArgumentException($"records holds {entries.Count} records; one put takes at most {StreamLimits.MaxPutRecords}.");
        }

        var records = new StreamRecordInput[entries.Count];
        long total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            records[i] = ToRecord(entries[i], $"records[{i}]");
            total += records[i].Data.Length + Encoding.UTF8.GetByteCount(records[i].PartitionKey);
        }

        if (total > StreamLimits.MaxPutRecordsBytes)
        {
            throw new ArgumentException($"The records hold {total:N0} bytes; one put takes at most {StreamLimits.MaxPutRecordsBytes:N0}.");
        }

        return records;
    }

    private static StreamRecordInput ToRecord(StreamPutEntry? entry, string at)
    {
        if (entry is null)
        {
            throw new ArgumentException($"{at} must be an object.");
        }

        if (entry.PartitionKey is not { Length: > 0 and <= StreamLimits.MaxPartitionKeyLength } key)
        {
            throw new ArgumentException($"{at}.partitionKey must be 1 to {StreamLimits.MaxPartitionKeyLength} characters.");
        }

        byte[] data;
        if ((entry.Data is null) == (entry.Text is null))
        {
            throw new ArgumentException($"{at} must have either data (base64) or text, not both and not neither.");
        }

        if (entry.Text is { } text)
        {
            data = Encoding.UTF8.GetBytes(text);
        }
        else
        {
            try
            {
                data = Convert.FromBase64String(entry.Data!);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"{at}.data must be base64; send UTF-8 text as text instead.");
            }
        }

        if (data.Length + Encoding.UTF8.GetByteCount(key) > StreamLimits.MaxRecordBytes)
        {
            throw new ArgumentException($"{at} holds more than {StreamLimits.MaxRecordBytes:N0} bytes of data and partition key.");
        }

        UInt128? hashKey = null;
        if (entry.ExplicitHashKey is { } given)
        {
            hashKey = given.All(char.IsAsciiDigit) && UInt128.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new ArgumentException($"{at}.explicitHashKey must be a decimal number from 0 to 2^128-1 (got '{given}').");
        }

        return new StreamRecordInput(data, key, hashKey);
    }

    private static StreamView Describe(DataStream stream, bool withShards)
    {
        var definition = stream.Definition;
        IReadOnlyList<ShardView>? shards = null;
        if (withShards)
        {
            var counters = stream.ShardCounters.ToDictionary(c => c.ShardId, StringComparer.Ordinal);
            shards = [.. stream.Shards.Select(s =>
            {
                var count = counters.GetValueOrDefault(s.ShardId);
                return new ShardView(
                    s.ShardId,
                    s.ParentShardId,
                    s.AdjacentParentShardId,
                    s.StartingHashKey.ToString(CultureInfo.InvariantCulture),
                    s.EndingHashKey.ToString(CultureInfo.InvariantCulture),
                    s.StartingSequenceNumber,
                    s.EndingSequenceNumber,
                    s.IsOpen,
                    count.RecordsKept,
                    count.IncomingRecords,
                    count.IncomingBytes,
                    count.ReadCalls);
            })];
        }

        return new StreamView(
            stream.Name,
            stream.Status.ToString(),
            definition.Mode == StreamMode.OnDemand ? "onDemand" : "provisioned",
            (int)definition.Retention.TotalHours,
            definition.EnforceShardQuotas,
            stream.CreatedAt,
            stream.Shards.Count(s => s.IsOpen),
            stream.RecordsKept,
            stream.OldestRecordTimestamp,
            stream.TotalRecords,
            stream.TotalBytes,
            shards);
    }

    /// <summary>
    /// Runs one operation and answers what the engine said in words: an unknown stream or shard is 404, a refused request
    /// 400 (titled <paramref name="cannot"/>), a stream in use 409, a full disk 503.
    /// </summary>
    private static async Task<IResult> Answer(Func<Task<IResult>> operation, string cannot = "Invalid request")
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (StreamNotFoundException e)
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown stream", e.Message);
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, cannot, Reason(e));
        }
        catch (StreamInUseException e)
        {
            return Problem(StatusCodes.Status409Conflict, "Stream in use", e.Message);
        }
        catch (StreamLimitExceededException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Limit exceeded", e.Message);
        }
        catch (StorageFullException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Storage full", e.Message);
        }
    }
}
