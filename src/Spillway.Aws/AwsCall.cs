using Microsoft.AspNetCore.Http;
using Spillway.Aws.Protocols;

namespace Spillway.Aws;

/// <summary>The wire protocol of a request, and of its answer.</summary>
public enum AwsProtocol
{
    /// <summary>Form-encoded parameters (<c>Action=…</c>), XML answers.</summary>
    Query,

    /// <summary><c>X-Amz-Target</c> with a JSON 1.0 or 1.1 body, JSON answers.</summary>
    Json,

    /// <summary><c>X-Amz-Target</c> with an <c>application/x-amz-cbor-1.1</c> body, CBOR answers.</summary>
    Cbor,
}

/// <summary>One request routed to a service: its action and parameters, and where its answer goes.</summary>
public sealed class AwsCall
{
    internal AwsCall(HttpContext context, string action, AwsProtocol protocol, AwsInput input, AwsResponse response, string requestId)
    {
        Context = context;
        Action = action;
        Protocol = protocol;
        Input = input;
        Response = response;
        RequestId = requestId;
    }

    /// <summary>The HTTP request and response.</summary>
    public HttpContext Context { get; }

    /// <summary>The action: the query protocol's <c>Action</c>, or the target after the service's prefix.</summary>
    public string Action { get; }

    /// <summary>The protocol the request came in, and its answer goes out in.</summary>
    public AwsProtocol Protocol { get; }

    /// <summary>The request's parameters, read the same way whatever the protocol.</summary>
    public AwsInput Input { get; }

    /// <summary>The writer of the answer; the router sends what it holds once the action returns.</summary>
    public AwsResponse Response { get; }

    /// <summary>The id of the request, in <c>x-amzn-RequestId</c> and in XML answers.</summary>
    public string RequestId { get; }

    /// <summary>Signalled when the client goes away.</summary>
    public CancellationToken Aborted => Context.RequestAborted;
}
