using Microsoft.Extensions.Logging;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>Builds the handler a <see cref="MessageHandlerOptions"/> describes, for the host to wire to a mapping.</summary>
public static class MessageHandlerFactory
{
    /// <summary>
    /// Creates the handler. Throws <see cref="ArgumentException"/> whose message names the configuration key at fault,
    /// prefixed by <paramref name="section"/> (e.g. "Routes:0:Handler"). An HTTP handler owns an
    /// <see cref="HttpClient"/> when none is given: dispose it (it is <see cref="IDisposable"/>) when done.
    /// </summary>
    /// <param name="options">The handler's configuration.</param>
    /// <param name="sinks">The sinks by name, for "sql".</param>
    /// <param name="registry">Where "csharp" handlers are looked up; null uses <see cref="HandlerRegistry.Default"/>.</param>
    /// <param name="httpClient">Client for "http"; null makes one per handler.</param>
    /// <param name="loggerFactory">Logging for the handler; null for none.</param>
    /// <param name="streams">Finds a stream's producer by name, for "stream"; null when there are no streams.</param>
    /// <param name="section">The configuration path of <paramref name="options"/>, used in error messages.</param>
    public static IMessageHandler Create(
        MessageHandlerOptions options,
        IReadOnlyDictionary<string, ISqlSink>? sinks = null,
        HandlerRegistry? registry = null,
        HttpClient? httpClient = null,
        ILoggerFactory? loggerFactory = null,
        Func<string, IStreamProducer?>? streams = null,
        string section = "Handler")
    {
        ArgumentNullException.ThrowIfNull(options);
        var kind = options.Kind?.Trim().ToLowerInvariant();
        return kind switch
        {
            MessageHandlerOptions.SqlKind => CreateSql(options, sinks, loggerFactory, section),
            MessageHandlerOptions.HttpKind => CreateHttp(options, httpClient, section),
            MessageHandlerOptions.CSharpKind => CreateCSharp(options, registry ?? HandlerRegistry.Default, section),
            MessageHandlerOptions.StreamKind => CreateStream(options, streams, section),
            _ => throw Invalid(section, nameof(options.Kind), $"must be \"sql\", \"http\", \"csharp\" or \"stream\" (was \"{options.Kind}\")"),
        };
    }

    private static SqlSinkHandler CreateSql(
        MessageHandlerOptions options, IReadOnlyDictionary<string, ISqlSink>? sinks, ILoggerFactory? loggerFactory, string section)
    {
        sinks ??= new Dictionary<string, ISqlSink>();
        ISqlSink? sink;
        if (string.IsNullOrWhiteSpace(options.Sink))
        {
            sink = sinks.Count == 1 ? sinks.Values.First() : null;
            if (sink is null)
            {
                throw Invalid(section, nameof(options.Sink), $"is required when there is not exactly one sink (there are {sinks.Count})");
            }
        }
        else if (!sinks.TryGetValue(options.Sink, out sink))
        {
            var known = sinks.Count == 0 ? "none" : string.Join(", ", sinks.Keys.Order(StringComparer.Ordinal));
            throw Invalid(section, nameof(options.Sink), $"names no configured sink (\"{options.Sink}\"; configured: {known})");
        }

        return new SqlSinkHandler(sink, loggerFactory?.CreateLogger<SqlSinkHandler>());
    }

    private static HttpFunctionHandler CreateHttp(MessageHandlerOptions options, HttpClient? httpClient, string section)
    {
        if (string.IsNullOrWhiteSpace(options.Url)
            || !Uri.TryCreate(options.Url, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw Invalid(section, nameof(options.Url), "must be an absolute http or https URL");
        }

        HttpFunctionOptions functionOptions;
        try
        {
            var defaults = new HttpFunctionOptions { Url = url };
            functionOptions = new HttpFunctionOptions
            {
                Url = url,
                Timeout = options.Timeout ?? defaults.Timeout,
                Region = options.Region ?? defaults.Region,
                AccountId = options.AccountId ?? defaults.AccountId,
            };
        }
        catch (ArgumentException ex)
        {
            throw Invalid(section, ex.ParamName ?? "?", ex.Message);
        }

        return new HttpFunctionHandler(functionOptions, httpClient);
    }

    private static IMessageHandler CreateCSharp(MessageHandlerOptions options, HandlerRegistry registry, string section)
    {
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            throw Invalid(section, nameof(options.Name), "is required for a \"csharp\" handler");
        }

        try
        {
            return registry.Get(options.Name);
        }
        catch (KeyNotFoundException ex)
        {
            throw Invalid(section, nameof(options.Name), ex.Message);
        }
    }

    private static StreamPutHandler CreateStream(MessageHandlerOptions options, Func<string, IStreamProducer?>? streams, string section)
    {
        if (string.IsNullOrWhiteSpace(options.Stream))
        {
            throw Invalid(section, nameof(options.Stream), "is required for a \"stream\" handler");
        }

        return new StreamPutHandler(
            options.Stream,
            options.PartitionKeyField,
            streams ?? throw Invalid(section, nameof(options.Kind), "\"stream\" needs a transport with streams"));
    }

    private static ArgumentException Invalid(string section, string key, string problem) =>
        new($"{section}:{key} {problem}", $"{section}:{key}");
}
