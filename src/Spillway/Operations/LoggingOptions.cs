using Microsoft.Extensions.Logging.Console;

namespace Spillway.Operations;

/// <summary>The <c>Spillway:Logging</c> section: how the console log looks and whether each message is traced.</summary>
internal sealed class LoggingOptions
{
    /// <summary>
    /// "plain" (one line per event, for a terminal) or "json" (one JSON object per line, for a log shipper).
    /// Defaults to plain.
    /// </summary>
    public string Format { get; set; } = "plain";

    /// <summary>
    /// Log one Debug event per message as it is accepted, received and written (categories Spillway.Gateway and
    /// Spillway.Trace), so <c>spillway trace &lt;message-id&gt;</c> can follow it. Costly during a spike. Defaults to false.
    /// </summary>
    public bool TraceMessages { get; set; }

    /// <summary>Replaces the console logger by the configured one.</summary>
    public void Apply(ILoggingBuilder logging, string key)
    {
        logging.ClearProviders();
        switch (Format.ToLowerInvariant())
        {
            case "plain":
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.UseUtcTimestamp = true;
                });
                break;
            case "json":
                logging.AddJsonConsole(o =>
                {
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.UseUtcTimestamp = true;
                    o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
                break;
            default:
                throw new Hosting.ConfigurationException(key + ":Format", $"must be plain or json (got '{Format}')");
        }

        if (TraceMessages)
        {
            logging.AddFilter<ConsoleLoggerProvider>("Spillway.Gateway", LogLevel.Debug);
            logging.AddFilter<ConsoleLoggerProvider>(Processing.Worker.TraceCategory, LogLevel.Debug);
        }
    }
}
