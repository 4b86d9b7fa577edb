using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spillway.Messaging;
using Spillway.Storage;
using Spillway.Transport;

namespace Spillway.Gateway.Internal;

/// <summary>
/// One ingest route's request handler. Order of checks: key (401), content type (415), idempotency key (400),
/// declared length (413), then the body is read into a pooled buffer and validated whole (400/413) before anything is
/// stored, then storage and backlog (503), then one atomic send, and 202 only once it is durable.
/// </summary>
internal sealed partial class IngestEndpoint(
    IngestRouteOptions route,
    IMessageTransport transport,
    ApiKeyAuthenticator authenticator,
    int retryAfterSeconds,
    ILogger logger)
{
    private const string ProblemContentType = "application/problem+json";
    private const string JsonContentType = "application/json; charset=utf-8";
    private const string RetryAdvice = " Retry later, with an Idempotency-Key so a retry cannot store the records twice.";

    private readonly string path = route.Path;
    private readonly string queueName = route.QueueName;
    private readonly int maxBodyBytes = route.MaxBodyBytes;
    private readonly long maxBacklog = route.MaxBacklog;
    private readonly RecordValidator validator = RecordValidator.For(route);
    private readonly string retryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);

    // Found on the first request that finds the queue, then kept: the host may create the queue after mapping.
    private IQueueSender? sender;

    public async Task HandleAsync(HttpContext context)
    {
        // One async method for the checks and the catch-all, so a request costs as few state machines as possible.
        byte[]? buffer = null;
        try
        {
            var request = context.Request;
            if (!authenticator.IsAuthorized(request))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"spillway\"";
                await WriteProblemAsync(context, IngestProblem.Unauthorized());
                return;
            }

            if (!ContentTypes.TryParse(request.ContentType, out var format))
            {
                await WriteProblemAsync(context, IngestProblem.UnsupportedMediaType(request.ContentType));
                return;
            }

            string? idempotencyKey = null;
            if (request.Headers.TryGetValue("Idempotency-Key", out var keyValues))
            {
                idempotencyKey = keyValues.Count == 1 ? keyValues[0] : null;
                if (!IsValidIdempotencyKey(idempotencyKey))
                {
                    await WriteProblemAsync(
                        context,
                        IngestProblem.InvalidHeader("Idempotency-Key", "must be one value of 1–255 printable ASCII characters."));
                    return;
                }
            }

            var body = await RequestBody.ReadAsync(request, maxBodyBytes, context.RequestAborted);
            buffer = body.Buffer;
            if (body.Fault != BodyFault.None)
            {
                await WriteProblemAsync(context, body.Fault == BodyFault.TooLarge
                    ? IngestProblem.BodyTooLarge(maxBodyBytes)
                    : IngestProblem.UnreadableBody($"The request is malformed: {body.Detail}"));
                return;
            }

            await StoreAsync(context, body.Memory, format, idempotencyKey);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a cancelled or reset read); there is no one to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.UnexpectedFailure(path, e);
            context.Response.Clear();
            await WriteUnavailableAsync(context, "An unexpected error occurred; the records were not acknowledged." + RetryAdvice);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task StoreAsync(HttpContext context, ReadOnlyMemory<byte> body, BodyFormat format, string? idempotencyKey)
    {
        if (route.Stream is not null)
        {
            await PutAsync(context, body, format, idempotencyKey);
            return;
        }

        if (route.Topic is not null)
        {
            await PublishAsync(context, body, format, idempotencyKey);
            return;
        }

        var target = sender ??= transport.FindSender(queueName);
        if (await AdmitAsync(context, body, format, $"queue '{queueName}'", target?.Status, target?.MaximumMessageSize ?? 0) is not (var records, var isBatch))
        {
            return;
        }

        var backlog = target!.ApproximateBacklog;
        if (backlog >= maxBacklog && (backlog = target.Backlog) >= maxBacklog)
        {
            logger.BacklogFull(path, backlog, maxBacklog);
            await WriteUnavailableAsync(context, "The queue's backlog is at its limit; nothing was stored. Retry after the delay.");
            return;
        }

        // Each record is copied out of the pooled buffer: the queue may keep bodies in memory after the send.
        var messages = new OutgoingMessage[records.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = new OutgoingMessage(body[records[i]].ToArray());
        }

        SendResult result;
        try
        {
            // A send that has started is not cancelled when the client goes away: the client may retry with its
            // idempotency key, and a half-cancelled batch would only make the outcome harder to reason about.
            result = await target.SendBatchAsync(messages, idempotencyKey, CancellationToken.None);
        }
        catch (Exception e) when (e is StorageFullException or StorageFaultedException or ObjectDisposedException or IOException)
        {
            logger.SendFailed(path, e);
            // Not acknowledged is all that is known: a write cut short by a fault may still be recovered on restart,
            // which is why the answer points at the idempotency key rather than promising nothing was stored.
            var reason = e switch
            {
                StorageFullException => "The disk is nearly full; nothing was stored.",
                StorageFaultedException => "Storage failed and stopped accepting writes; the records were not acknowledged.",
                ObjectDisposedException => "The server is shutting down; the records were not acknowledged.",
                TransportUnavailableException =>
                    "The message broker did not confirm the write; the records were not acknowledged.",
                _ => "Storage could not complete the write; the records were not acknowledged.",
            };
            await WriteUnavailableAsync(context, reason + RetryAdvice);
            return;
        }

        if (result.Replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        var sent = result.Messages;
        if (logger.IsEnabled(LogLevel.Debug))
        {
            // One event per message, so a record can be followed from its POST to its row (spillway trace).
            foreach (var message in sent)
            {
                logger.MessageAccepted(path, message.MessageId, queueName, result.Replayed ? ", an idempotent replay" : string.Empty);
            }
        }

        if (isBatch)
        {
            var ids = new Guid[sent.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = sent[i].MessageId;
            }

            await WriteJsonAsync(context.Response, 202, new AcceptedBatch(ids), GatewayJsonContext.Default.AcceptedBatch, JsonContentType);
        }
        else
        {
            await WriteJsonAsync(
                context.Response, 202, new AcceptedRecord(sent[0].MessageId), GatewayJsonContext.Default.AcceptedRecord, JsonContentType);
        }
    }

    /// <summary>
    /// The records of a request for <paramref name="target"/>, validated whole against <paramref name="maxRecordBytes"/>,
    /// once the target exists (a <paramref name="status"/>) and accepts writes; null when the request has been answered
    /// with why not, and nothing was stored.
    /// </summary>
    private async Task<(List<Range> Records, bool IsBatch)?> AdmitAsync(
        HttpContext context, ReadOnlyMemory<byte> body, BodyFormat format, string target, TransportStatus? status, int maxRecordBytes)
    {
        if (status is null)
        {
            logger.QueueMissing(path, target);
            await WriteUnavailableAsync(context, $"The {target} is not available; nothing was stored.");
            return null;
        }

        var records = new List<Range>();
        var problem = validator.Validate(body.Span, format, maxRecordBytes, records, out var isBatch);
        if (problem is not null)
        {
            await WriteProblemAsync(context, problem);
            return null;
        }

        if (!status.Available)
        {
            logger.StorageNotWritable(path, status.Reason);
            await WriteUnavailableAsync(context, $"Storage does not accept writes ({status.Reason ?? "unknown reason"}); nothing was stored.");
            return null;
        }

        return (records, isBatch);
    }

    private static bool IsValidIdempotencyKey(string? key)
    {
        if (key is null || key.Length is < 1 or > 255)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private Task WriteUnavailableAsync(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = retryAfter;
        return WriteProblemAsync(context, IngestProblem.Unavailable(detail));
    }

    private static Task WriteProblemAsync(HttpContext context, IngestProblem problem)
        => WriteJsonAsync(context.Response, problem.Status, problem, GatewayJsonContext.Default.IngestProblem, ProblemContentType);

    internal static Task WriteJsonAsync<T>(HttpResponse response, int status, T value, JsonTypeInfo<T> typeInfo, string contentType)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes).AsTask();
    }
}
