using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Spillway.Aws.Signing.Internal;

namespace Spillway.Aws.Signing;

/// <summary>
/// Verifies AWS Signature Version 4 on a request to one service, in the header form (<c>Authorization: AWS4-HMAC-SHA256 …</c>)
/// and the query-string form (<c>X-Amz-Algorithm</c>, <c>X-Amz-Credential</c>, <c>X-Amz-Signature</c>, …), and answers the
/// error AWS sends when it fails. Pure: no I/O, the clock is injected.
/// </summary>
/// <remarks>
/// Spillway's own code, not a library's: the AWS SDKs only sign, and no maintained .NET package verifies SigV4 as a server does.
/// </remarks>
internal sealed class SignatureV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>How far a request's date may be from the server's clock either way: five minutes, as AWS allows.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);

    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const string EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string Terminator = "aws4_request";

    private readonly SigningCredentials credentials;
    private readonly TimeProvider time;
    private readonly string service;

    /// <param name="credentials">The access keys accepted.</param>
    /// <param name="time">The clock the signature's date is checked against.</param>
    /// <param name="service">The service of the credential scope, e.g. "sqs": a signature for another service is refused.</param>
    public SignatureV4Verifier(SigningCredentials credentials, TimeProvider time, string service)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(service);
        this.credentials = credentials;
        this.time = time;
        this.service = service;
    }

    /// <summary>Checks the request's signature against the configured credentials.</summary>
    public SignatureResult Verify(SignedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = Canonical.ParseQuery(request.RawQuery);
        var authorization = request.Header("Authorization");
        var presigned = query.Any(p => p.Key.Equals("X-Amz-Algorithm", StringComparison.Ordinal));
        if (authorization is not null && presigned)
        {
            return SignatureResult.Failure(SignatureError.IncompleteSignature(
                "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."));
        }

        var parts = presigned ? SignatureParts.FromQuery(query) : authorization is null ? null : SignatureParts.FromHeader(authorization);
        if (parts is null)
        {
            return SignatureResult.Failure(SignatureError.MissingAuthenticationToken);
        }

        if (parts.Problem is { } problem)
        {
            return SignatureResult.Failure(SignatureError.IncompleteSignature(problem));
        }

        if (!credentials.TryGetSigningSecret(parts.AccessKeyId, out var secret))
        {
            return SignatureResult.Failure(SignatureError.InvalidClientTokenId);
        }

        var dateText = presigned ? parts.Date : request.Header("X-Amz-Date") ?? DateHeader(request);
        if (dateText is null)
        {
            return SignatureResult.Failure(SignatureError.IncompleteSignature(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
        }

        if (!DateTimeOffset.TryParseExact(
            dateText, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return SignatureResult.Failure(SignatureError.IncompleteSignature(
                $"Date must be in ISO-8601 'basic format'. Got '{dateText}'. See http://en.wikipedia.org/wiki/ISO_8601"));
        }

        if (CheckScope(parts, dateText) is { } scopeError)
        {
            return SignatureResult.Failure(scopeError);
        }

        if (CheckTime(signedAt, parts.ExpiresSeconds) is { } timeError)
        {
            return SignatureResult.Failure(timeError);
        }

        // An RPC request's body is the request itself (action and parameters), so a signature that leaves the body out
        // (UNSIGNED-PAYLOAD) is only good for an empty one: otherwise a captured signature could carry any action.
        var bodyHash = request.PayloadVerifiedLater ? UnsignedPayload
            : request.PayloadHash ?? Convert.ToHexStringLower(SHA256.HashData(request.Body.Span));
        var emptyBody = bodyHash == EmptyBodyHash;
        var claimed = presigned ? null : request.Header("x-amz-content-sha256");
        if (claimed is not null && !request.PayloadVerifiedLater
            && !(claimed == UnsignedPayload ? emptyBody : claimed.Equals(bodyHash, StringComparison.OrdinalIgnoreCase)))
        {
            return SignatureResult.Failure(SignatureError.SignatureDoesNotMatch);
        }

        var excluded = presigned ? "X-Amz-Signature" : null;
        var signingKey = SigningKey(secret, parts);
        if (Matches(request, query, excluded, parts, dateText, claimed ?? bodyHash, signingKey))
        {
            return SignatureResult.Success(
                parts.AccessKeyId, new ChunkSigning(signingKey, dateText, $"{parts.ScopeDate}/{parts.Region}/{service}/{Terminator}", parts.Signature));
        }

        // A presigned URL carries no payload hash: signers sign the body's hash (tried above) or UNSIGNED-PAYLOAD.
        return presigned && emptyBody && Matches(request, query, excluded, parts, dateText, UnsignedPayload, signingKey)
            ? SignatureResult.Success(parts.AccessKeyId)
            : SignatureResult.Failure(SignatureError.SignatureDoesNotMatch);
    }

    /// <summary>The canonical request for <paramref name="request"/>, as a signer computes it; for diagnostics and tests.</summary>
    internal static string CanonicalRequest(
        SignedRequest request, IReadOnlyList<KeyValuePair<string, string>> query, string? excluded, IReadOnlyList<string> signedHeaders,
        string payloadHash) =>
        request.Method.ToUpperInvariant() + "\n" +
        (request.PayloadVerifiedLater ? (request.RawPath.Length == 0 ? "/" : request.RawPath) : Canonical.Uri(request.RawPath)) + "\n" +
        Canonical.Query(query, excluded) + "\n" +
        Canonical.Headers(request, signedHeaders) + "\n" +
        string.Join(';', signedHeaders) + "\n" +
        payloadHash;

    private bool Matches(
        SignedRequest request, IReadOnlyList<KeyValuePair<string, string>> query, string? excluded, SignatureParts parts, string date,
        string payloadHash, byte[] signingKey)
    {
        var canonical = CanonicalRequest(request, query, excluded, parts.SignedHeaders, payloadHash);
        var scope = $"{parts.ScopeDate}/{parts.Region}/{service}/{Terminator}";
        var stringToSign = $"{Algorithm}\n{date}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var expected = Encoding.ASCII.GetBytes(
            Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign))));
        var given = Encoding.ASCII.GetBytes(parts.Signature.ToLowerInvariant());

        // Constant time, so the answer's timing tells nothing about how much of a guessed signature was right.
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>The key derived from the secret and the credential scope; one per request, however many hashes it tries.</summary>
    private byte[] SigningKey(byte[] secret, SignatureParts parts)
    {
        var key = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(parts.ScopeDate));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(parts.Region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Terminator));
    }

    private SignatureError? CheckScope(SignatureParts parts, string date)
    {
        if (!date.StartsWith(parts.ScopeDate, StringComparison.Ordinal) || parts.ScopeDate.Length != 8)
        {
            return SignatureError.ScopeMismatch(
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
                $"'{parts.ScopeDate}' != '{date[..Math.Min(8, date.Length)]}', from '{date}'.");
        }

        if (parts.Service != service)
        {
            return SignatureError.ScopeMismatch($"Credential should be scoped to correct service: '{service}'. ");
        }

        return parts.Terminator != Terminator
            ? SignatureError.ScopeMismatch(
                $"Credential should be scoped with a valid terminator: '{Terminator}', not '{parts.Terminator}'. ")
            : null;
    }

    private SignatureError? CheckTime(DateTimeOffset signedAt, int? expiresSeconds)
    {
        var now = time.GetUtcNow();
        if (signedAt > now + AllowedSkew)
        {
            return SignatureError.Expired(
                $"Signature not yet current: {Format(signedAt)} is still later than {Format(now + AllowedSkew)} ({Format(now)} + 5 min.)");
        }

        if (expiresSeconds is { } expires)
        {
            return now > signedAt.AddSeconds(expires) ? SignatureError.RequestExpired : null;
        }

        return signedAt < now - AllowedSkew
            ? SignatureError.Expired(
                $"Signature expired: {Format(signedAt)} is now earlier than {Format(now - AllowedSkew)} ({Format(now)} - 5 min.)")
            : null;
    }

    private static string? DateHeader(SignedRequest request) =>
        request.Header("Date") is { } value &&
        DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? Format(parsed)
            : null;

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);
}
