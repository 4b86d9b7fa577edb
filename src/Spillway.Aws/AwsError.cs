namespace Spillway.Aws;

/// <summary>
/// One AWS error as every protocol spells it: <see cref="Code"/> is the query protocol's <c>&lt;Code&gt;</c> (and, for
/// services that keep query compatibility, the JSON protocol's <c>x-amzn-query-error</c> header), <see cref="Shape"/>
/// the JSON and CBOR <c>__type</c> after the service's prefix.
/// </summary>
public sealed class AwsError
{
    /// <summary>An error whose query code and JSON shape differ (SQS's <c>AWS.SimpleQueueService.NonExistentQueue</c> is
    /// <c>QueueDoesNotExist</c> in JSON).</summary>
    public AwsError(string code, string shape, int status, bool senderFault = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentException.ThrowIfNullOrEmpty(shape);
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        Code = code;
        Shape = shape;
        Status = status;
        SenderFault = senderFault;
        QueryErrorHeader = code + (senderFault ? ";Sender" : ";Receiver");
    }

    /// <summary>An error spelled the same in every protocol.</summary>
    public AwsError(string code, int status, bool senderFault = true)
        : this(code, code, status, senderFault)
    {
    }

    /// <summary>The query protocol's code.</summary>
    public string Code { get; }

    /// <summary>The JSON/CBOR <c>__type</c>, without the service's prefix.</summary>
    public string Shape { get; }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>True when the client is at fault (<c>Sender</c>), false for the server (<c>Receiver</c>).</summary>
    public bool SenderFault { get; }

    /// <summary>The value of <c>x-amzn-query-error</c>: code and fault.</summary>
    public string QueryErrorHeader { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Code} ({Status})";
}

/// <summary>Thrown by an action (or a reader) to answer with an AWS error; the router writes it in the request's protocol.</summary>
public sealed class AwsException(AwsError error, string message) : Exception(message)
{
    /// <summary>The error to answer with.</summary>
    public AwsError Error { get; } = error;
}
