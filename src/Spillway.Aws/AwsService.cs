using Spillway.Sqs.Internal;
using Spillway.Sqs.Signing;

namespace Spillway.Sqs;

/// <summary>Chooses how SQS requests are authenticated.</summary>
internal static class SqsAuthentication
{
    /// <summary>
    /// THE call site for request signatures: with credentials configured, every request must carry a valid Signature V4;
    /// without, any signature (or none) is accepted.
    /// </summary>
    public static ISqsAuthenticator? Create(SqsOptions options, TimeProvider time) =>
        options.HasCredentials ? new SignatureV4Authenticator(new SignatureV4Verifier(SigningCredentials.From(options), time)) : null;
}
