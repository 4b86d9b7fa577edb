using System.Buffers;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spillway.DeliveryStreams.Internal;

namespace Spillway.DeliveryStreams.Transform;

/// <summary>
/// Runs a file's records through its transform: calls of at most the processor's buffer size, each POSTed as Firehose's
/// transformation event (<c>{invocationId, deliveryStreamArn, region, records:[{recordId, approximateArrivalTimestamp,
/// data}]}</c>) and answered with <c>{records:[{recordId, result, data}]}</c>. A call that fails as a whole (no answer
/// within the timeout, a non-2xx status, an answer that is not that shape, a record id missing, unknown or repeated) is
/// retried after 1 s, doubling to 60 s, on the stream's clock; after the last retry its records fail.
/// </summary>
internal sealed class TransformInvoker(DeliveryFunctions functions, TimeProvider time)
{
    // Lambda's cap on a synchronous answer.
    private const int MaxAnswerBytes = 6 * 1024 * 1024;
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };

    /// <summary>A record handed to the transform.</summary>
    public readonly record struct Input(string RecordId, long ArrivalMs, ReadOnlyMemory<byte> Data);

    /// <summary>Every record's outcome, in the order given. <paramref name="seed"/> fixes the calls' invocation ids.</summary>
    public async Task<TransformedRecord[]> RunAsync(
        RecordTransform transform, string streamName, IReadOnlyList<Input> records, string seed, CancellationToken cancellationToken)
    {
        var outcomes = new TransformedRecord[records.Count];
        var start = 0;
        var call = 0;
        while (start < records.Count)
        {
            var end = start + 1;
            var bytes = (long)records[start].Data.Length;
            while (end < records.Count && bytes + records[end].Data.Length <= transform.BufferSizeBytes)
            {
                bytes += records[end].Data.Length;
                end++;
            }

            var chunk = records.Skip(start).Take(end - start).ToArray();
            var results = await CallWithRetriesAsync(transform, streamName, chunk, $"{seed}/{call}", cancellationToken).ConfigureAwait(false);
            results.CopyTo(outcomes, start);
            start = end;
            call++;
        }

        return outcomes;
    }

    private async Task<TransformedRecord[]> CallWithRetriesAsync(
        RecordTransform transform, string streamName, Input[] chunk, string seed, CancellationToken cancellationToken)
    {
        var delay = RetryDelay.First;
        var invocationId = new Guid(MD5.HashData(Encoding.UTF8.GetBytes(seed)));
        var body = Event(invocationId, streamName, chunk);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var answer = await CallAsync(transform.Function, body, cancellationToken).ConfigureAwait(false);
                var ended = time.GetUtcNow().ToUnixTimeMilliseconds();
                return [.. Read(answer, chunk).Select(r => r.Result == TransformResult.Failed ? r with { Attempts = attempt, EndingMs = ended } : r)];
            }
            catch (TransformCallException failure) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt > transform.NumberOfRetries)
                {
                    var ending = time.GetUtcNow().ToUnixTimeMilliseconds();
                    return [.. chunk.Select(r => new TransformedRecord(TransformResult.Failed, attempt, ending, failure.Code, failure.Message, r.Data))];
                }
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = RetryDelay.Next(delay);
        }
    }

    private byte[] Event(Guid invocationId, string streamName, Input[] chunk)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteString("invocationId", invocationId);
        json.WriteString("deliveryStreamArn", functions.StreamArn(streamName));
        json.WriteString("region", functions.Region);
        json.WriteStartArray("records");
        foreach (var record in chunk)
        {
            json.WriteStartObject();
            json.WriteString("recordId", record.RecordId);
            json.WriteNumber("approximateArrivalTimestamp", record.ArrivalMs);
            json.WriteBase64String("data", record.Data.Span);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return body.WrittenSpan.ToArray();
    }

    private async Task<byte[]> CallAsync(string function, byte[] body, CancellationToken cancellationToken)
    {
        var endpoint = functions.Resolve(function)
            ?? throw new TransformCallException("Lambda.FunctionNotFound", $"The function '{function}' is neither an http(s) URL nor a known name.");
        var where = $"{endpoint.Url.Scheme}://{endpoint.Url.Authority}{endpoint.Url.AbsolutePath}";
        using var timeout = new CancellationTokenSource(endpoint.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonType } },
        };
        try
        {
            using var response = await functions.Client
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new TransformCallException("Lambda.FunctionError", $"The function at {where} answered {(int)response.StatusCode}.");
            }

            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                throw new TransformCallException("Lambda.ResponseTooLarge", $"The function at {where} answered more than {MaxAnswerBytes} bytes.");
            }

            var answer = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            return answer.Length <= MaxAnswerBytes
                ? answer
                : throw new TransformCallException("Lambda.ResponseTooLarge", $"The function at {where} answered more than {MaxAnswerBytes} bytes.");
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransformCallException("Lambda.FunctionTimedOut", $"The function at {where} did not answer within {endpoint.Timeout}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new TransformCallException("Lambda.InvokeError", $"The function at {where} could not be reached: {e.HttpRequestError}.", e);
        }
    }

    /// <summary>The outcome of each record of <paramref name="chunk"/> from the function's answer.</summary>
    /// <exception cref="TransformCallException">The answer does not account for every record exactly once.</exception>
    private static TransformedRecord[] Read(byte[] answer, Input[] chunk)
    {
        var index = new Dictionary<string, int>(chunk.Length, StringComparer.Ordinal);
        for (var i = 0; i < chunk.Length; i++)
        {
            index[chunk[i].RecordId] = i;
        }

        var outcomes = new TransformedRecord?[chunk.Length];
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
            {
                throw Malformed("the answer is not a JSON object with a records array");
            }

            foreach (var record in records.EnumerateArray())
            {
                var id = record.ValueKind == JsonValueKind.Object && record.TryGetProperty("recordId", out var idValue) && idValue.ValueKind == JsonValueKind.String
                    ? idValue.GetString()!
                    : throw Malformed("a record of the answer has no recordId");
                if (!index.TryGetValue(id, out var i))
                {
                    throw new TransformCallException("Lambda.MissingRecordId", $"The answer names record {id}, which the call did not hold.");
                }

                if (outcomes[i] is not null)
                {
                    throw new TransformCallException("Lambda.DuplicatedRecordId", $"The answer names record {id} more than once.");
                }

                var result = record.TryGetProperty("result", out var resultValue) && resultValue.ValueKind == JsonValueKind.String ? resultValue.GetString() : null;
                outcomes[i] = result switch
                {
                    "Ok" => new TransformedRecord(TransformResult.Ok, 1, 0, null, null, Data(record, id)),
                    "Dropped" => new TransformedRecord(TransformResult.Dropped, 1, 0, null, null, ReadOnlyMemory<byte>.Empty),
                    "ProcessingFailed" => new TransformedRecord(
                        TransformResult.Failed, 1, 0, "Lambda.ProcessingFailed", "The function returned ProcessingFailed for the record.", chunk[i].Data),
                    _ => throw Malformed($"record {id} has result '{result}', not Ok, Dropped or ProcessingFailed"),
                };
            }
        }
        catch (JsonException e)
        {
            throw new TransformCallException("Lambda.JsonProcessingException", $"The function's answer is not valid JSON: {e.Message}", e);
        }

        var missing = Array.FindIndex(outcomes, o => o is null);
        return missing < 0
            ? [.. outcomes.Select(o => o!)]
            : throw new TransformCallException("Lambda.MissingRecordId", $"The answer does not account for record {chunk[missing].RecordId}.");
    }

    private static ReadOnlyMemory<byte> Data(JsonElement record, string id)
    {
        if (record.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String && data.TryGetBytesFromBase64(out var bytes))
        {
            return bytes;
        }

        throw Malformed($"record {id} is Ok but its data is not base64");
    }

    private static TransformCallException Malformed(string what) =>
        new("Lambda.JsonProcessingException", $"The function's answer is not a transformation result: {what}.");
}
