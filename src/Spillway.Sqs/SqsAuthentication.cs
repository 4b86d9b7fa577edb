using Spillway.Sqs.Internal;

namespace Spillway.Sqs;

/// <summary>Chooses how SQS requests are authenticated.</summary>
internal static class SqsAuthentication
{
    /// <summary>
    /// THE call site for request signatures: with credentials configured, every request must carry a valid Signature V4;
    /// without, any signature (or none) is accepted. Until a verifier is plugged in here, configured credentials make
    /// the API refuse every request (fail closed) rather than accept unsigned ones.
    /// </summary>
    public static ISqsAuthenticator? Create(SqsOptions options, TimeProvider time)
    {
        _ = time;
        if (!options.HasCredentials)
        {
            return null;
        }

        return new RefusingAuthenticator("Signature V4 verification is not available in this build; requests cannot be authenticated.");
    }
}
