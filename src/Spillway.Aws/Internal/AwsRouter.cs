using Microsoft.AspNetCore.Http;

namespace Spillway.Sqs.Internal;

/// <summary>
/// The request pipeline's one authentication hook, called with every SQS request and its whole body before the action
/// runs. Signature V4 verification (in <c>Signing/</c>) plugs in here through <see cref="SqsAuthentication.Create"/>.
/// </summary>
internal interface ISqsAuthenticator
{
    /// <summary>Null when the request may proceed; otherwise the error to answer with (for a bad signature
    /// <see cref="SqsError.SignatureDoesNotMatch"/>, an unknown key <see cref="SqsError.InvalidClientTokenId"/>, ...).</summary>
    SqsException? Authenticate(HttpRequest request, ReadOnlySpan<byte> body);
}

/// <summary>Refuses every request with one reason: the API is mapped but must not be served.</summary>
internal sealed class RefusingAuthenticator(string reason) : ISqsAuthenticator
{
    public SqsException? Authenticate(HttpRequest request, ReadOnlySpan<byte> body) => new(SqsError.AccessDenied, reason);
}
