using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Spillway.Sns.Delivery;

/// <summary>What the host gives the delivery worker: its clock, and how to reach the endpoints it does not reach itself.</summary>
public sealed class SnsDeliverySettings
{
    /// <summary>The clock of retry delays and request timeouts: the engine's. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long an HTTP/S endpoint has to answer before the attempt counts as failed. Defaults to 15 s, as SNS.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Sends one mail (to, subject, plain-text body) through the configured SMTP server, throwing when it was not taken.
    /// Null (the default): <c>email</c> and <c>email-json</c> deliveries fail, are retried and then given up.
    /// </summary>
    public Func<string, string, string, CancellationToken, Task>? SendMail { get; init; }

    /// <summary>
    /// Invokes the function of that name with an SNS event (JSON), throwing when it failed. Null (the default):
    /// <c>lambda</c> deliveries fail, are retried and then given up.
    /// </summary>
    public Func<string, ReadOnlyMemory<byte>, CancellationToken, Task>? InvokeFunction { get; init; }

    /// <summary>
    /// Puts one record into the delivery stream of that name (a <c>firehose</c> subscription's); completes once it is
    /// durable there. Null: no delivery streams, and such deliveries fail.
    /// </summary>
    public Func<string, ReadOnlyMemory<byte>, CancellationToken, Task>? PutToDeliveryStream { get; init; }

    /// <summary>
    /// Puts one record (stream, partition key, data) into the stream of that name (a <c>kinesis</c> subscription's);
    /// completes once it is durable there, throws when it was not stored. Null: no streams, and such deliveries fail.
    /// </summary>
    public Func<string, string, ReadOnlyMemory<byte>, CancellationToken, Task>? PutToStream { get; init; }

    /// <summary>Creates the meter <c>Spillway.Sns</c>; null (the default) measures nothing.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Defaults to no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Told what became of each attempt once it is settled (for tests and tracing). Defaults to null.</summary>
    public Action<SnsDeliveryOutcome>? Observer { get; init; }

    /// <summary>The handler of the HTTP client; null (the default) makes one. For tests that reach a receiver in odd ways.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }
}

/// <summary>What became of one delivery attempt.</summary>
public enum SnsDeliveryResult
{
    /// <summary>The endpoint took it; it left its queue.</summary>
    Delivered,

    /// <summary>It failed and will be tried again after <see cref="SnsDeliveryOutcome.NextAttemptIn"/>.</summary>
    RetryScheduled,

    /// <summary>Its retries are spent; it is durable in the subscription's dead-letter queue and left its own.</summary>
    DeadLettered,

    /// <summary>Its retries are spent and no dead-letter queue could take it; it was dropped and counted as failed.</summary>
    Dropped,
}

/// <summary>One settled delivery attempt.</summary>
/// <param name="SubscriptionArn">The subscription delivered to.</param>
/// <param name="Protocol">http, https, email, email-json or lambda.</param>
/// <param name="MessageType">Notification or SubscriptionConfirmation.</param>
/// <param name="MessageId">The message's id, the same on every attempt.</param>
/// <param name="Attempt">1 for the first attempt.</param>
/// <param name="Result">What became of it.</param>
/// <param name="NextAttemptIn">The delay before the next attempt, when one is scheduled.</param>
/// <param name="Error">Why it failed; null when delivered.</param>
public sealed record SnsDeliveryOutcome(
    string SubscriptionArn,
    string Protocol,
    string MessageType,
    string MessageId,
    int Attempt,
    SnsDeliveryResult Result,
    TimeSpan? NextAttemptIn,
    string? Error);
