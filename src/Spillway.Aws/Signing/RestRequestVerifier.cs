using Microsoft.AspNetCore.Http;

namespace Spillway.Aws.Signing;

/// <summary>
/// Signature V4 for a REST API whose bodies stream (S3): the signature is checked on the request line and headers before
/// the body is read, with the payload hash the client declares; the API then checks the body against that declaration
/// as it streams (a SHA-256, or each chunk's signature through <see cref="RestVerification.Chunks"/>).
/// </summary>
public sealed class RestRequestVerifier
{
    private readonly SignatureV4Verifier verifier;

    /// <param name="credentials">The access keys accepted; must not be empty (without keys nothing is checked).</param>
    /// <param name="time">The clock the signature's date is checked against.</param>
    /// <param name="service">The service of the credential scope, e.g. "s3".</param>
    public RestRequestVerifier(SigningCredentials credentials, TimeProvider time, string service)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials.IsEmpty)
        {
            throw new ArgumentException("a verifier needs at least one access key", nameof(credentials));
        }

        verifier = new SignatureV4Verifier(credentials, time, service);
    }

    /// <summary>The service a request's signature is scoped to (its credential scope's fourth part, in the Authorization
    /// header or a presigned query); null when it carries none. Lets a REST API claim its requests before routing.</summary>
    public static string? ScopeService(HttpRequest request) => Aws.Internal.AwsRouter.CredentialScopeService(request);

    /// <summary>Checks the request's signature (header or presigned query form) without reading its body.</summary>
    public RestVerification Verify(HttpRequest request)
    {
        var signed = HttpSignedRequest.From(request, []);
        var result = verifier.Verify(new SignedRequest
        {
            Method = signed.Method,
            RawPath = signed.RawPath,
            RawQuery = signed.RawQuery,
            Headers = signed.Headers,
            PayloadVerifiedLater = true,
        });
        return result.Error is { } error
            ? new RestVerification(error.Code, error.Message, error.StatusCode, null)
            : new RestVerification(null, null, 200, result.Chunks);
    }
}

/// <summary>The outcome of <see cref="RestRequestVerifier.Verify"/>.</summary>
/// <param name="ErrorCode">The query protocol's code of the refusal (<c>SignatureDoesNotMatch</c>, <c>InvalidClientTokenId</c>,
/// <c>MissingAuthenticationToken</c>, <c>IncompleteSignature</c>, <c>RequestExpired</c>), which the API maps to its own;
/// null when the signature holds.</param>
/// <param name="Message">What was wrong, never containing a secret.</param>
/// <param name="Status">The HTTP status of the refusal.</param>
/// <param name="Chunks">The chain that verifies an <c>aws-chunked</c> body's chunks, when the signature holds.</param>
public sealed record RestVerification(string? ErrorCode, string? Message, int Status, ChunkSigning? Chunks)
{
    public bool Succeeded => ErrorCode is null;
}
