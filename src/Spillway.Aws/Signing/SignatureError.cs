namespace Spillway.Aws.Signing;

/// <summary>
/// The error AWS's query services answer for a request whose signature fails, with their code, message and HTTP status;
/// always a sender fault. The router maps the code to the service's own (<see cref="AwsServiceErrors"/>) and writes it
/// in the request's wire protocol.
/// </summary>
internal sealed class SignatureError
{
    private SignatureError(string code, string message, int statusCode)
    {
        Code = code;
        Message = message;
        StatusCode = statusCode;
    }

    /// <summary>The query-protocol error code, e.g. <c>SignatureDoesNotMatch</c>.</summary>
    public string Code { get; }

    /// <summary>The message, never containing a secret.</summary>
    public string Message { get; }

    /// <summary>400 for a malformed signature, 403 for one that is refused.</summary>
    public int StatusCode { get; }

    public static SignatureError MissingAuthenticationToken { get; } =
        new("MissingAuthenticationToken", "Request is missing Authentication Token", 403);

    public static SignatureError InvalidClientTokenId { get; } =
        new("InvalidClientTokenId", "The security token included in the request is invalid.", 403);

    public static SignatureError SignatureDoesNotMatch { get; } = new(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key " +
        "and signing method. Consult the service documentation for details.",
        403);

    /// <summary>A signature that lacks a part or does not parse.</summary>
    public static SignatureError IncompleteSignature(string message) => new("IncompleteSignature", message, 400);

    /// <summary>A signature whose date is out of the clock-skew window; AWS answers it as a mismatch that names the times.</summary>
    public static SignatureError Expired(string message) => new("SignatureDoesNotMatch", message, 403);

    /// <summary>A presigned URL past its <c>X-Amz-Expires</c>.</summary>
    public static SignatureError RequestExpired { get; } = new("RequestExpired", "Request has expired.", 400);

    /// <summary>A credential scope that names another date, service or terminator than the request.</summary>
    public static SignatureError ScopeMismatch(string message) => new("SignatureDoesNotMatch", message, 403);

    public override string ToString() => $"{Code} ({StatusCode}): {Message}";
}

/// <summary>The outcome of <see cref="SignatureV4Verifier.Verify"/>: the access key that signed, or the error to send.</summary>
internal readonly record struct SignatureResult(string? AccessKeyId, SignatureError? Error, ChunkSigning? Chunks = null)
{
    public bool Succeeded => Error is null;

    public static SignatureResult Success(string accessKeyId, ChunkSigning? chunks = null) => new(accessKeyId, null, chunks);

    public static SignatureResult Failure(SignatureError error) => new(null, error);
}
