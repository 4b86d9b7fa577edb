using Spillway.Objects;

namespace Spillway.S3.Internal;

/// <summary>An S3 error answer: its code, HTTP status and message, as S3 sends them.</summary>
internal sealed class S3Exception(string code, int status, string message) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;

    public static S3Exception MalformedXml() => new(
        "MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema.");

    public static S3Exception InvalidArgument(string message) => new("InvalidArgument", 400, message);

    public static S3Exception NotImplemented(string what) => new("NotImplemented", 501, $"{what} is not implemented by Spillway's S3 API.");

    /// <summary>The answer to a refusal of the store.</summary>
    public static S3Exception From(ObjectStoreException e) => e.Error switch
    {
        ObjectError.NoSuchBucket => new("NoSuchBucket", 404, e.Message),
        ObjectError.NoSuchKey => new("NoSuchKey", 404, e.Message),
        ObjectError.NoSuchUpload => new("NoSuchUpload", 404, e.Message),
        ObjectError.BucketAlreadyOwnedByYou => new("BucketAlreadyOwnedByYou", 409, e.Message),
        ObjectError.BucketNotEmpty => new("BucketNotEmpty", 409, e.Message),
        ObjectError.InvalidBucketName => new("InvalidBucketName", 400, e.Message),
        ObjectError.KeyTooLongOrInvalid => new(e.Message.Contains("too long", StringComparison.Ordinal) ? "KeyTooLongError" : "InvalidArgument", 400, e.Message),
        ObjectError.InvalidPart => new("InvalidPart", 400, e.Message),
        ObjectError.InvalidPartOrder => new("InvalidPartOrder", 400, e.Message),
        ObjectError.EntityTooSmall => new("EntityTooSmall", 400, e.Message),
        ObjectError.MalformedLifecycle => new("InvalidArgument", 400, e.Message),
        ObjectError.NotImplemented => new("NotImplemented", 501, e.Message),
        _ => new("InvalidArgument", 400, e.Message),
    };

    /// <summary>The answer to a refused signature, in S3's codes.</summary>
    public static S3Exception Signature(string code, string message) => code switch
    {
        "InvalidClientTokenId" => new("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
        "MissingAuthenticationToken" => new("AccessDenied", 403, "Access Denied"),
        "IncompleteSignature" => new("AuthorizationHeaderMalformed", 400, message),
        "RequestExpired" => new("AccessDenied", 403, "Request has expired"),
        _ when message.StartsWith("Signature expired", StringComparison.Ordinal)
            || message.StartsWith("Signature not yet current", StringComparison.Ordinal) =>
            new("RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."),
        _ => new("SignatureDoesNotMatch", 403, message),
    };
}
