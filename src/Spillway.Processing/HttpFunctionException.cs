namespace Spillway.Processing;

/// <summary>
/// An HTTP function invocation failed as a whole: no answer in time, a non-2xx status, or an answer that is not a
/// valid partial batch response. Every message of the batch is retried, as Lambda does.
/// </summary>
public sealed class HttpFunctionException(string message, Exception? inner = null) : Exception(message, inner);
