using Microsoft.AspNetCore.Http;
using Spillway.Sqs.Internal;

namespace Spillway.Sqs.Signing;

/// <summary>The protocol layer's authentication hook, answered by <see cref="SignatureV4Verifier"/>.</summary>
internal sealed class SignatureV4Authenticator(SignatureV4Verifier verifier) : ISqsAuthenticator
{
    public SqsException? Authenticate(HttpRequest request, ReadOnlySpan<byte> body)
    {
        var result = verifier.Verify(HttpSignedRequest.From(request, body));
        return result.Error is { } error ? new SqsException(ToSqsError(error), error.Message) : null;
    }

    private static SqsError ToSqsError(SignatureError error) => error.Code switch
    {
        "MissingAuthenticationToken" => SqsError.MissingAuthenticationToken,
        "InvalidClientTokenId" => SqsError.InvalidClientTokenId,
        "IncompleteSignature" => SqsError.IncompleteSignature,
        "RequestExpired" => SqsError.RequestExpired,
        _ => SqsError.SignatureDoesNotMatch,
    };
}
