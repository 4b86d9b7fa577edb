namespace Spillway.Processing;

/// <summary>
/// What a handler throws when whatever it writes to (a database, a service) cannot be reached: not the data's fault.
/// The mapping then holds the batch, keeps it hidden, retries it with backoff and receives nothing more until the
/// downstream answers, so an outage never uses up receive counts and dead-letters good messages.
/// </summary>
public sealed class DownstreamUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
