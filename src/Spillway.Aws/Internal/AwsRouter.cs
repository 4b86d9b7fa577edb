using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spillway.Aws.Protocols;
using Spillway.Aws.Signing;

namespace Spillway.Aws.Internal;

/// <summary>
/// The one place AWS-shaped requests on the main listener arrive. It reads the whole request, picks the service (by
/// <c>X-Amz-Target</c> prefix for JSON and CBOR; for the query protocol by the signature's credential scope, then
/// <c>Version</c>, then the path, then the <c>Action</c>), authenticates, parses the parameters strictly and runs the
/// action, then writes the answer or the error in the request's protocol and the service's shape. Every failure is an
/// AWS error answer; nothing escapes as a 500.
/// </summary>
internal sealed class AwsRouter(ILogger logger)
{
    private const string TargetHeader = "X-Amz-Target";
    private const string CborContentType = "application/x-amz-cbor-1.1";

    // What answers a request no service claims: the protocol's error without any service's prefix or namespace.
    private static readonly AwsServiceDescription UnroutedJson = new() { Name = "AWS", SigningName = "aws", Errors = AwsServiceErrors.Json };
    private static readonly AwsServiceDescription UnroutedQuery = new() { Name = "AWS", SigningName = "aws" };

    private readonly HashSet<string> templates = new(StringComparer.OrdinalIgnoreCase);
    private Route[] routes = [];
    private int maxRequestBytes;

    /// <summary>Adds a service; its target prefix and signing name must be its own.</summary>
    public void Add(AwsService service)
    {
        var description = service.Description;
        foreach (var other in routes.Select(r => r.Service.Description))
        {
            if (other.SigningName == description.SigningName
                || (description.TargetPrefix is not null && other.TargetPrefix is not null
                    && (other.TargetPrefix.StartsWith(description.TargetPrefix, StringComparison.Ordinal)
                        || description.TargetPrefix.StartsWith(other.TargetPrefix, StringComparison.Ordinal))))
            {
                throw new InvalidOperationException(
                    $"The AWS service {description.Name} overlaps {other.Name}: signing names and target prefixes must be distinct.");
            }
        }

        var verifier = description.Credentials.IsEmpty
            ? null
            : new SignatureV4Verifier(description.Credentials, description.TimeProvider, description.SigningName);
        routes = [.. routes, new Route(service, verifier)];
        maxRequestBytes = Math.Max(maxRequestBytes, description.MaxRequestBytes);
    }

    /// <summary>True the first time a route template is seen: the caller maps it then.</summary>
    public bool Claim(string template) => templates.Add(template);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var target = request.Headers.TryGetValue(TargetHeader, out var header) ? header.ToString() : null;
        var protocol = target is null ? AwsProtocol.Query
            : request.ContentType?.StartsWith(CborContentType, StringComparison.OrdinalIgnoreCase) == true ? AwsProtocol.Cbor
            : AwsProtocol.Json;

        // Chosen before the body is read, so an error while reading it already has a shape; the query protocol settles
        // on its service once the parameters are read.
        var route = target is not null ? ByTarget(target) : ByScope(request) ?? ByPath(request) ?? FirstQuery();
        var requestId = Guid.NewGuid().ToString();
        var action = "Unknown";
        using var output = new PooledBuffer();
        using var body = new PooledBuffer(request.ContentLength is > 0 and <= 16 * 1024 * 1024 ? (int)request.ContentLength.Value : 4096);
        JsonDocument? document = null;
        try
        {
            await ReadBodyAsync(request, body, Describe(route, protocol).Errors, context.RequestAborted).ConfigureAwait(false);
            AwsInput input;
            if (target is not null)
            {
                var service = route ?? throw new AwsException(
                    UnroutedJson.Errors.InvalidAction, $"The target '{target}' names no service this endpoint serves.");
                var errors = Prepare(service, request, body);
                action = target[service.Service.Description.TargetPrefix!.Length..];
                if (protocol == AwsProtocol.Cbor)
                {
                    input = service.Service.Description.AcceptsCbor
                        ? CborInput.Parse(body.WrittenMemory, errors)
                        : throw new AwsException(errors.MalformedBody, $"{service.Service.Description.Name} does not take CBOR requests.");
                }
                else
                {
                    document = JsonInput.Parse(body.WrittenMemory, errors);
                    input = new JsonInput(document.RootElement, errors);
                }
            }
            else
            {
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                var problem = ReadForm(request, body, parameters);
                route = ByScope(request) ?? ByVersion(parameters) ?? ByPath(request) ?? ByAction(parameters) ?? FirstQuery();
                var service = route ?? throw new AwsException(
                    UnroutedQuery.Errors.InvalidAction, "No service this endpoint serves answers the query protocol.");
                var errors = Prepare(service, request, body, parameters.GetValueOrDefault("Action"));
                if (problem is not null)
                {
                    throw new AwsException(problem.Malformed ? errors.MalformedQueryString : errors.InvalidParameterValue, problem.Message);
                }

                action = parameters.TryGetValue("Action", out var named) && named.Length > 0 ? named : throw new AwsException(
                    errors.InvalidAction,
                    "The request must name an Action (query protocol) or carry an X-Amz-Target header (JSON protocol).");
                input = new QueryInput(parameters, errors);
            }

            var response = CreateResponse(protocol, route.Service.Description, output, request);
            await route.Service.HandleAsync(new AwsCall(context, action, protocol, input, response, requestId)).ConfigureAwait(false);

            // An action that streams its answer (Kinesis's SubscribeToShard event stream) has sent it already.
            if (!context.Response.HasStarted)
            {
                await SendAsync(context.Response, response.ContentType, output, requestId, 200, null).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a long poll it gave up on): nobody to answer.
        }
        catch (Exception e)
        {
            var description = Describe(route, protocol);
            var (error, message) = Translate(e, route?.Service, description, action);
            var response = CreateResponse(protocol, description, output, request);
            response.Error(error, message, requestId);
            if (!context.Response.HasStarted)
            {
                var queryError = description.QueryCompatibleErrors && protocol != AwsProtocol.Query ? error.QueryErrorHeader : null;
                await SendAsync(context.Response, response.ContentType, output, requestId, error.Status, queryError).ConfigureAwait(false);
            }
        }
        finally
        {
            document?.Dispose();
        }
    }

    private static AwsServiceDescription Describe(Route? route, AwsProtocol protocol) =>
        route?.Service.Description ?? (protocol == AwsProtocol.Query ? UnroutedQuery : UnroutedJson);

    /// <summary>The checks every routed request passes before its parameters are read: size, refusal, signature.</summary>
    private static AwsServiceErrors Prepare(Route route, HttpRequest request, PooledBuffer body, string? queryAction = null)
    {
        var description = route.Service.Description;
        var errors = description.Errors;
        if (body.WrittenCount > description.MaxRequestBytes)
        {
            throw TooLarge(errors, description.MaxRequestBytes);
        }

        if (description.RefusalReason is { } reason)
        {
            throw new AwsException(errors.AccessDenied, reason);
        }

        if (route.Verifier?.Verify(HttpSignedRequest.From(request, body.WrittenSpan)) is { Error: { } refused }
            && !(refused.Code == "MissingAuthenticationToken" && queryAction is not null && description.UnsignedActions.Contains(queryAction)))
        {
            var error = refused.Code switch
            {
                "MissingAuthenticationToken" => errors.MissingAuthenticationToken,
                "InvalidClientTokenId" => errors.InvalidClientTokenId,
                "IncompleteSignature" => errors.IncompleteSignature,
                "RequestExpired" => errors.RequestExpired,
                _ => errors.SignatureDoesNotMatch,
            };
            throw new AwsException(error, refused.Message);
        }

        return errors;
    }

    private (AwsError Error, string Message) Translate(Exception e, AwsService? service, AwsServiceDescription description, string action)
    {
        var errors = description.Errors;
        if (e is AwsException aws)
        {
            return (aws.Error, aws.Message);
        }

        if (service?.Translate(e) is { } translated)
        {
            return translated;
        }

        switch (e)
        {
            case ObjectDisposedException or OperationCanceledException:
                return (errors.ServiceUnavailable, "The server is shutting down.");
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                return (errors.RequestEntityTooLarge, "The request is larger than the server takes.");
            case BadHttpRequestException bad:
                return (errors.InvalidParameterValue, "The request could not be read: " + bad.Message);
            default:
                LogMessages.UnexpectedFailure(logger, description.Name, action, e);
                return (errors.ServiceUnavailable, "The request could not be completed; see the server log.");
        }
    }

    private static AwsResponse CreateResponse(AwsProtocol protocol, AwsServiceDescription description, PooledBuffer output, HttpRequest request)
    {
        output.Clear();
        return protocol switch
        {
            AwsProtocol.Query => new XmlResponse(output, description.XmlNamespace),
            AwsProtocol.Cbor => new CborResponse(output, description.JsonTypePrefix),
            _ when ReferenceEquals(description, UnroutedJson) && request.ContentType?.Contains("1.1", StringComparison.Ordinal) == true =>
                new JsonResponse(output, "1.1", string.Empty),
            _ => new JsonResponse(output, description.JsonVersion, description.JsonTypePrefix),
        };
    }

    private Route? ByTarget(string target) => routes.FirstOrDefault(r =>
        r.Service.Description.TargetPrefix is { } prefix && target.Length > prefix.Length && target.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>The query service whose signing name the signature's credential scope names.</summary>
    private Route? ByScope(HttpRequest request)
    {
        var scope = CredentialScopeService(request);
        return scope is null ? null : routes.FirstOrDefault(r => r.Service.Description.QueryVersion is not null && r.Service.Description.SigningName == scope);
    }

    private Route? ByVersion(Dictionary<string, string> parameters) => parameters.TryGetValue("Version", out var version)
        ? routes.FirstOrDefault(r => r.Service.Description.QueryVersion == version)
        : null;

    private Route? ByPath(HttpRequest request) => request.Path.HasValue && request.Path.Value != "/"
        ? routes.FirstOrDefault(r => r.Service.ClaimsPath(request.Path))
        : null;

    private Route? ByAction(Dictionary<string, string> parameters) => parameters.TryGetValue("Action", out var action)
        ? routes.FirstOrDefault(r => r.Service.Description.QueryVersion is not null && r.Service.Description.QueryActions.Contains(action))
        : null;

    private Route? FirstQuery() => routes.FirstOrDefault(r => r.Service.Description.QueryVersion is not null);

    /// <summary>The service named by <c>Credential=&lt;key&gt;/&lt;date&gt;/&lt;region&gt;/&lt;service&gt;/aws4_request</c>, in the
    /// Authorization header or the presigned query string; null when the request carries none.</summary>
    internal static string? CredentialScopeService(HttpRequest request)
    {
        string? credential = request.Query["X-Amz-Credential"];
        if (credential is null && request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            var start = authorization.IndexOf("Credential=", StringComparison.Ordinal);
            if (start >= 0)
            {
                var value = authorization.AsSpan(start + "Credential=".Length);
                var end = value.IndexOfAny(',', ' ');
                credential = (end < 0 ? value : value[..end]).ToString();
            }
        }

        var parts = credential?.Split('/');
        return parts is { Length: 5 } ? parts[3] : null;
    }

    /// <summary>The query string, then a form body (of a form content type or none), into <paramref name="parameters"/>.</summary>
    private static FormProblem? ReadForm(HttpRequest request, PooledBuffer body, Dictionary<string, string> parameters)
    {
        var query = request.QueryString;
        if (query.HasValue && query.Value!.Length > 1)
        {
            if (FormReader.Read(Encoding.UTF8.GetBytes(query.Value, 1, query.Value.Length - 1), parameters) is { } problem)
            {
                return problem;
            }
        }

        var contentType = request.ContentType;
        return body.WrittenCount == 0
            || !(string.IsNullOrEmpty(contentType) || contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            ? null
            : FormReader.Read(body.WrittenSpan, parameters);
    }

    private async ValueTask ReadBodyAsync(HttpRequest request, PooledBuffer body, AwsServiceErrors errors, CancellationToken cancellationToken)
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
            if (body.WrittenCount > maxRequestBytes)
            {
                throw TooLarge(errors, maxRequestBytes);
            }
        }
    }

    private static AwsException TooLarge(AwsServiceErrors errors, int limit) =>
        new(errors.RequestEntityTooLarge, $"The request is larger than {limit} bytes.");

    private static async ValueTask SendAsync(
        HttpResponse http, string contentType, PooledBuffer output, string requestId, int status, string? queryError)
    {
        http.StatusCode = status;
        http.ContentType = contentType;
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

    private sealed record Route(AwsService Service, SignatureV4Verifier? Verifier);
}
