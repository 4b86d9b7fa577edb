namespace Spillway.Aws;

/// <summary>
/// The errors a service answers for what the layer itself refuses (an unknown action, a malformed or missing parameter, a
/// bad signature, ...), so each service keeps its own codes: SQS and SNS speak the query services' codes
/// (<see cref="Query"/>), Kinesis and Firehose those of the JSON services (<see cref="Json"/>).
/// </summary>
public sealed record AwsServiceErrors
{
    /// <summary>The codes of AWS's query services (SQS, SNS).</summary>
    public static AwsServiceErrors Query { get; } = new()
    {
        InvalidAction = new("InvalidAction", 400),
        MissingParameter = new("MissingParameter", 400),
        InvalidParameterValue = new("InvalidParameterValue", 400),
        MalformedBody = new("InvalidParameterValue", 400),
        MalformedQueryString = new("MalformedQueryString", 404),
        RequestEntityTooLarge = new("RequestEntityTooLarge", 413),
        AccessDenied = new("AccessDenied", 403),
        ServiceUnavailable = new("ServiceUnavailable", 503, senderFault: false),
        InvalidClientTokenId = new("InvalidClientTokenId", 403),
        SignatureDoesNotMatch = new("SignatureDoesNotMatch", 403),
        IncompleteSignature = new("IncompleteSignature", 400),
        MissingAuthenticationToken = new("MissingAuthenticationToken", 403),
        RequestExpired = new("RequestExpired", 400),
    };

    /// <summary>The codes of AWS's JSON services (Kinesis, Firehose).</summary>
    public static AwsServiceErrors Json { get; } = new()
    {
        InvalidAction = new("UnknownOperationException", 400),
        MissingParameter = new("ValidationException", 400),
        InvalidParameterValue = new("ValidationException", 400),
        MalformedBody = new("SerializationException", 400),
        MalformedQueryString = new("SerializationException", 400),
        RequestEntityTooLarge = new("ValidationException", 413),
        AccessDenied = new("AccessDeniedException", 400),
        ServiceUnavailable = new("InternalFailure", 503, senderFault: false),
        InvalidClientTokenId = new("UnrecognizedClientException", 400),
        SignatureDoesNotMatch = new("InvalidSignatureException", 400),
        IncompleteSignature = new("IncompleteSignatureException", 400),
        MissingAuthenticationToken = new("MissingAuthenticationTokenException", 400),
        RequestExpired = new("ExpiredTokenException", 400),
    };

    /// <summary>An action the service does not know, or a request that names none.</summary>
    public required AwsError InvalidAction { get; init; }

    /// <summary>A required parameter is absent.</summary>
    public required AwsError MissingParameter { get; init; }

    /// <summary>A parameter of the wrong type, out of range, or not valid text (invalid UTF-8, a lone surrogate, a
    /// repeated query parameter).</summary>
    public required AwsError InvalidParameterValue { get; init; }

    /// <summary>A JSON or CBOR body that does not parse (or has a duplicate key).</summary>
    public required AwsError MalformedBody { get; init; }

    /// <summary>A form body or query string with a malformed percent escape.</summary>
    public required AwsError MalformedQueryString { get; init; }

    /// <summary>A request larger than the service takes.</summary>
    public required AwsError RequestEntityTooLarge { get; init; }

    /// <summary>A request the host refuses to serve at all.</summary>
    public required AwsError AccessDenied { get; init; }

    /// <summary>The server cannot complete the request now (shutting down, an unexpected failure).</summary>
    public required AwsError ServiceUnavailable { get; init; }

    /// <summary>Signature V4: an unknown access key.</summary>
    public required AwsError InvalidClientTokenId { get; init; }

    /// <summary>Signature V4: the signature, or its date, does not match.</summary>
    public required AwsError SignatureDoesNotMatch { get; init; }

    /// <summary>Signature V4: a part is missing or malformed.</summary>
    public required AwsError IncompleteSignature { get; init; }

    /// <summary>Signature V4: no signature at all.</summary>
    public required AwsError MissingAuthenticationToken { get; init; }

    /// <summary>Signature V4: a presigned URL past its expiry.</summary>
    public required AwsError RequestExpired { get; init; }

    /// <summary>A parameter that must be given is absent.</summary>
    public AwsException Missing(string parameter) =>
        new(MissingParameter, $"The request must contain the parameter {parameter}.");

    /// <summary>A parameter's value is refused; the message names the parameter, the value and why.</summary>
    public AwsException Invalid(string parameter, string? value, string reason) => new(
        InvalidParameterValue,
        value is null
            ? $"The value for parameter {parameter} is invalid. Reason: {reason}"
            : $"Value {value} for parameter {parameter} is invalid. Reason: {reason}");
}
