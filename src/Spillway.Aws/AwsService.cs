using Microsoft.AspNetCore.Http;

namespace Spillway.Aws;

/// <summary>
/// One AWS-compatible API (SQS today; Kinesis, SNS, Firehose, S3 next) as the router sees it. A service registers with
/// <see cref="AwsEndpointRouteBuilderExtensions.MapAwsService"/>; the router then hands it every request that is its
/// (by <c>X-Amz-Target</c>, by the query protocol's signing scope, <c>Version</c> and <c>Action</c>, or by path), already
/// read, authenticated and parsed, with a writer for the answer in the request's protocol.
/// </summary>
public abstract class AwsService
{
    /// <summary>A service described by <paramref name="description"/>.</summary>
    protected AwsService(AwsServiceDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        Description = description;
    }

    /// <summary>What the service answers and how.</summary>
    public AwsServiceDescription Description { get; }

    /// <summary>
    /// Whether a request to <paramref name="path"/> (other than <c>/</c>) is this service's, for the routes in
    /// <see cref="AwsServiceDescription.RouteTemplates"/>: SQS claims queue URLs <c>/&lt;account&gt;/&lt;queue&gt;</c>.
    /// Defaults to none.
    /// </summary>
    public virtual bool ClaimsPath(PathString path) => false;

    /// <summary>Runs the action of <paramref name="call"/> and writes its answer; throws <see cref="AwsException"/> to refuse.</summary>
    public abstract ValueTask HandleAsync(AwsCall call);

    /// <summary>
    /// The error to answer for an exception the action let escape that is not an <see cref="AwsException"/> (the engine's
    /// validation, a full disk, ...); null leaves it to the router, which answers ServiceUnavailable and logs it.
    /// </summary>
    public virtual (AwsError Error, string Message)? Translate(Exception exception) => null;
}

/// <summary>What a service answers: its protocols, names, errors and credentials.</summary>
public sealed record AwsServiceDescription
{
    /// <summary>The service's name in logs, e.g. "SQS".</summary>
    public required string Name { get; init; }

    /// <summary>The service name of its Signature V4 credential scope, e.g. "sqs"; also tells query services apart.</summary>
    public required string SigningName { get; init; }

    /// <summary>The <c>X-Amz-Target</c> prefix of its JSON (and CBOR) actions, e.g. "AmazonSQS." or "Kinesis_20131202.";
    /// null when it speaks no JSON protocol.</summary>
    public string? TargetPrefix { get; init; }

    /// <summary>The JSON protocol version it answers in: "1.0" (SQS) or "1.1" (Kinesis, Firehose). Defaults to "1.0".</summary>
    public string JsonVersion { get; init; } = "1.0";

    /// <summary>Whether it takes <c>application/x-amz-cbor-1.1</c> requests with its target (Kinesis). Defaults to false.</summary>
    public bool AcceptsCbor { get; init; }

    /// <summary>The query protocol's <c>Version</c> (SQS "2012-11-05", SNS "2010-03-31"); null when it speaks no query protocol.</summary>
    public string? QueryVersion { get; init; }

    /// <summary>The XML namespace of its query-protocol answers.</summary>
    public string? XmlNamespace { get; init; }

    /// <summary>The query actions it answers, to route an unsigned request without a <c>Version</c>. Defaults to none.</summary>
    public IReadOnlySet<string> QueryActions { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Query actions that may come without a signature when credentials are configured (SNS's ConfirmSubscription, whose
    /// SubscribeURL an endpoint GETs with nothing but the token); a request that is signed is still verified. Defaults
    /// to none.
    /// </summary>
    public IReadOnlySet<string> UnsignedActions { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The prefix of <c>__type</c> in JSON and CBOR errors, e.g. "com.amazonaws.sqs#". Defaults to none.</summary>
    public string JsonTypePrefix { get; init; } = string.Empty;

    /// <summary>Whether JSON errors also carry <c>x-amzn-query-error</c> (services with the awsQueryCompatible trait,
    /// such as SQS). Defaults to false.</summary>
    public bool QueryCompatibleErrors { get; init; }

    /// <summary>Route templates it answers besides <c>/</c>, e.g. "/{account}/{queue}"; see
    /// <see cref="AwsService.ClaimsPath"/>. Defaults to none.</summary>
    public IReadOnlyList<string> RouteTemplates { get; init; } = [];

    /// <summary>The largest request body it takes. Defaults to 16 MiB.</summary>
    public int MaxRequestBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Its codes for what the layer refuses. Defaults to <see cref="AwsServiceErrors.Query"/>.</summary>
    public AwsServiceErrors Errors { get; init; } = AwsServiceErrors.Query;

    /// <summary>The access keys its requests must be signed with; <see cref="Signing.SigningCredentials.None"/> (the default)
    /// accepts any signature or none.</summary>
    public Signing.SigningCredentials Credentials { get; init; } = Signing.SigningCredentials.None;

    /// <summary>When set, every request is refused with AccessDenied and this reason (the host found the service must not
    /// be served). Defaults to null.</summary>
    public string? RefusalReason { get; init; }

    /// <summary>The clock signatures are checked against. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
