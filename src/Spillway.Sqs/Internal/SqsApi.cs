using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spillway.Messaging;
using Spillway.Storage;

namespace Spillway.Sqs.Internal;

/// <summary>
/// The SQS request pipeline: reads the whole request, tells the protocol (JSON 1.0 by its <c>X-Amz-Target</c>, otherwise
/// the query protocol), authenticates, runs the action against the queue engine and writes the answer or the error
/// in the request's protocol. Every failure is an SQS error answer; nothing escapes as a 500.
/// </summary>
internal sealed partial class SqsApi
{
    // A batch of ten 1 MiB messages, percent-encoded by the query protocol, stays well inside this.
    private const int MaxRequestBytes = 16 * 1024 * 1024;
    private const string TargetPrefix = "AmazonSQS.";

    private readonly QueueEngine engine;
    private readonly SqsNames names;
    private readonly QueueMetadataStore metadata;
    private readonly IReadOnlyDictionary<string, string> configuredQueues;
    private readonly ISqsAuthenticator? authenticator;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Dictionary<string, long> lastPurge = new(StringComparer.Ordinal);

    public SqsApi(
        QueueEngine engine,
        SqsOptions options,
        SqsApiSettings settings,
        ISqsAuthenticator? authenticator,
        ILogger logger)
    {
        this.engine = engine;
        this.authenticator = authenticator;
        this.logger = logger;
        time = settings.TimeProvider;
        names = new SqsNames(options.AccountId, options.Region);
        configuredQueues = settings.ConfiguredQueues;
        metadata = new QueueMetadataStore(settings.StateDirectory, time);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var json = request.Headers.TryGetValue("X-Amz-Target", out var target);
        using var output = new PooledBuffer();
        SqsResponse response = json ? new JsonResponse(output) : new XmlResponse(output);
        var requestId = Guid.NewGuid().ToString();
        var action = "Unknown";
        JsonDocument? document = null;
        using var body = new PooledBuffer(request.ContentLength is > 0 and <= MaxRequestBytes ? (int)request.ContentLength.Value : 4096);
        try
        {
            await ReadBodyAsync(request, body, context.RequestAborted).ConfigureAwait(false);
            if (authenticator?.Authenticate(request, body.WrittenSpan) is { } refused)
            {
                throw refused;
            }

            SqsInput input;
            if (json)
            {
                var targetValue = target.ToString();
                if (!targetValue.StartsWith(TargetPrefix, StringComparison.Ordinal))
                {
                    throw new SqsException(SqsError.InvalidAction, $"The action or operation requested is invalid: target '{targetValue}'.");
                }

                action = targetValue[TargetPrefix.Length..];
                document = ParseJson(body.WrittenMemory);
                input = new JsonInput(document.RootElement);
            }
            else
            {
                var parameters = ParseQuery(request, body.WrittenSpan);
                action = parameters.TryGetValue("Action", out var named) ? named : throw new SqsException(
                    SqsError.InvalidAction, "The request must name an Action (query protocol) or carry an X-Amz-Target header (JSON protocol).");
                input = new QueryInput(parameters);
            }

            var call = new SqsCall(context, input, response, requestId, PathQueue(request));
            await DispatchAsync(action, call).ConfigureAwait(false);
            await SendAsync(context.Response, response, output, requestId, 200, null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a long poll it gave up on): nobody to answer.
        }
        catch (Exception e)
        {
            var (error, message) = Translate(e, action);
            output.Clear();
            response = json ? new JsonResponse(output) : new XmlResponse(output);
            response.Error(error, message, requestId);
            if (!context.Response.HasStarted)
            {
                await SendAsync(context.Response, response, output, requestId, error.Status, json ? error.QueryErrorHeader : null)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            document?.Dispose();
        }
    }

    private ValueTask DispatchAsync(string action, SqsCall call) => action switch
    {
        "SendMessage" => SendMessageAsync(call),
        "SendMessageBatch" => SendMessageBatchAsync(call),
        "ReceiveMessage" => ReceiveMessageAsync(call),
        "DeleteMessage" => DeleteMessageAsync(call),
        "DeleteMessageBatch" => DeleteMessageBatchAsync(call),
        "ChangeMessageVisibility" => ChangeMessageVisibility(call),
        "ChangeMessageVisibilityBatch" => ChangeMessageVisibilityBatch(call),
        "CreateQueue" => CreateQueueAsync(call),
        "DeleteQueue" => DeleteQueueAsync(call),
        "GetQueueUrl" => GetQueueUrl(call),
        "ListQueues" => ListQueues(call),
        "GetQueueAttributes" => GetQueueAttributes(call),
        "SetQueueAttributes" => SetQueueAttributesAsync(call),
        "PurgeQueue" => PurgeQueueAsync(call),
        "TagQueue" => TagQueueAsync(call),
        "UntagQueue" => UntagQueueAsync(call),
        "ListQueueTags" => ListQueueTags(call),
        "ListDeadLetterSourceQueues" => ListDeadLetterSourceQueues(call),
        "AddPermission" => AddPermission(call),
        "RemovePermission" => RemovePermission(call),
        "StartMessageMoveTask" => StartMessageMoveTaskAsync(call),
        "ListMessageMoveTasks" => ListMessageMoveTasks(call),
        "CancelMessageMoveTask" => CancelMessageMoveTaskAsync(call),
        _ => throw new SqsException(SqsError.InvalidAction, $"The action {action} is not valid for this endpoint."),
    };

    private (SqsError Error, string Message) Translate(Exception e, string action)
    {
        switch (e)
        {
            case SqsException sqs:
                return (sqs.Error, sqs.Message);
            case ArgumentException argument:
                // The engine's own validation (SQS's ranges); its message names the field.
                return (SqsError.InvalidParameterValue, argument.Message);
            case StorageFullException full:
                return (SqsError.ServiceUnavailable, full.Message);
            case StorageFaultedException faulted:
                return (SqsError.ServiceUnavailable, faulted.Message);
            case ObjectDisposedException or OperationCanceledException:
                return (SqsError.ServiceUnavailable, "The server is shutting down.");
            case BadHttpRequestException bad:
                return (SqsError.InvalidParameterValue, "The request could not be read: " + bad.Message);
            default:
                LogMessages.UnexpectedFailure(logger, action, e);
                return (SqsError.ServiceUnavailable, "The request could not be completed; see the server log.");
        }
    }

    private static async ValueTask SendAsync(
        HttpResponse http, SqsResponse response, PooledBuffer output, string requestId, int status, string? queryError)
    {
        http.StatusCode = status;
        http.ContentType = response.ContentType;
        http.Headers["x-amzn-RequestId"] = requestId;
        if (queryError is not null)
        {
            http.Headers["x-amzn-query-error"] = queryError;
        }

        http.ContentLength = output.WrittenCount;
        if (output.WrittenCount > 0)
        {
            await http.Body.WriteAsync(output.WrittenMemory).ConfigureAwait(false);
        }
    }

    private static async ValueTask ReadBodyAsync(HttpRequest request, PooledBuffer body, CancellationToken cancellationToken)
    {
        var stream = request.Body;
        while (true)
        {
            var read = await stream.ReadAsync(body.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            body.Advance(read);
            if (body.WrittenCount > MaxRequestBytes)
            {
                throw new SqsException(SqsError.RequestEntityTooLarge, $"The request is larger than {MaxRequestBytes} bytes.");
            }
        }
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return JsonDocument.Parse("{}"u8.ToArray());
        }

        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new SqsException(SqsError.InvalidParameterValue, "The request body must be a JSON object.");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new SqsException(SqsError.InvalidParameterValue, "The request body is not valid JSON: " + e.Message);
        }
    }

    private static Dictionary<string, string> ParseQuery(HttpRequest request, ReadOnlySpan<byte> body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = request.QueryString;
        if (query.HasValue && query.Value!.Length > 1)
        {
            var text = query.Value.AsSpan(1);
            Span<byte> ascii = text.Length <= 2048 ? stackalloc byte[text.Length] : new byte[text.Length];
            var length = System.Text.Encoding.UTF8.GetBytes(text, ascii);
            if (!QueryInput.TryParseForm(ascii[..length], parameters))
            {
                throw new SqsException(SqsError.MalformedQueryString, "The query string is malformed.");
            }
        }

        if (!body.IsEmpty && !QueryInput.TryParseForm(body, parameters))
        {
            throw new SqsException(SqsError.MalformedQueryString, "The form body is malformed.");
        }

        return parameters;
    }

    /// <summary>The queue named by a request path <c>/&lt;account&gt;/&lt;name&gt;</c>, if any.</summary>
    private static string? PathQueue(HttpRequest request)
    {
        var path = request.Path.Value;
        return string.IsNullOrEmpty(path) || path == "/" ? null : SqsNames.NameOfUrl(path);
    }

    private MessageQueue Queue(SqsCall call)
    {
        var url = call.Input.String("QueueUrl");
        var name = string.IsNullOrEmpty(url) ? call.PathQueue ?? throw SqsException.Missing("QueueUrl") : SqsNames.NameOfUrl(url);
        return engine.TryGetQueue(name, out var queue) ? queue : throw SqsException.NoQueue();
    }

    private string Url(SqsCall call, string queue) => (call.UrlBase ??= names.UrlBase(call.Context.Request)) + queue;
}

/// <summary>One request in flight: its parameters, where its answer goes, and what the path named.</summary>
internal sealed class SqsCall(HttpContext context, SqsInput input, SqsResponse response, string requestId, string? pathQueue)
{
    public HttpContext Context { get; } = context;

    public SqsInput Input { get; } = input;

    public SqsResponse Response { get; } = response;

    public string RequestId { get; } = requestId;

    public string? PathQueue { get; } = pathQueue;

    public string? UrlBase { get; set; }

    public CancellationToken Aborted => Context.RequestAborted;
}
