namespace Spillway.Processing;

/// <summary>
/// A handler as configuration describes it, e.g. <c>{"Kind": "http", "Url": "http://127.0.0.1:9000/"}</c>; turned into a
/// handler by <see cref="MessageHandlerFactory"/>, which validates it and names the key at fault.
/// </summary>
public sealed class MessageHandlerOptions
{
    /// <summary>The SQL sink kind.</summary>
    public const string SqlKind = "sql";

    /// <summary>The HTTP function kind.</summary>
    public const string HttpKind = "http";

    /// <summary>The registered C# handler kind.</summary>
    public const string CSharpKind = "csharp";

    /// <summary>The kind that feeds a stream (<see cref="StreamPutHandler"/>).</summary>
    public const string StreamKind = "stream";

    /// <summary>"sql" (write through a sink), "http" (POST to a function), "csharp" (a registered handler) or "stream"
    /// (put into a stream). Defaults to "sql".</summary>
    public string Kind { get; init; } = SqlKind;

    /// <summary>For "sql": the sink's name; may be left out when there is exactly one sink.</summary>
    public string? Sink { get; init; }

    /// <summary>For "http": the function's absolute http or https URL.</summary>
    public string? Url { get; init; }

    /// <summary>For "csharp": the name the handler was registered under.</summary>
    public string? Name { get; init; }

    /// <summary>For "stream": the stream the messages are put into.</summary>
    public string? Stream { get; init; }

    /// <summary>For "stream": the body's top-level JSON field whose value is the partition key; null uses the FIFO message
    /// group, else the message id.</summary>
    public string? PartitionKeyField { get; init; }

    /// <summary>For "http": the invocation timeout; null uses <see cref="HttpFunctionOptions.Timeout"/>'s default (30 s).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>For "http": the region in the event; null uses "us-east-1".</summary>
    public string? Region { get; init; }

    /// <summary>For "http": the account id in the event; null uses "000000000000".</summary>
    public string? AccountId { get; init; }
}
