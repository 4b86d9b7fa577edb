using System.CommandLine;
using static Spillway.Bench.Support.BenchCommandLine;

namespace Spillway.Bench.Sqs;

/// <summary><c>spillway bench sqs</c>: the SQS API over HTTP, which <c>bench/sqs-vs-rabbitmq.sh</c> compares with RabbitMQ.</summary>
public static class SqsCommand
{
    public static Command Create()
    {
        var defaults = new SqsBenchmarkOptions();
        var endpoint = new Option<string?>("--endpoint")
        {
            Description = "A running Spillway (default: start `spillway serve` on loopback).",
        };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the started server keeps its data (default: a temp dir)." };
        var messages = Int("--messages", "Messages to send, receive and delete per phase.", defaults.Messages);
        var senders = Int("--senders", "Concurrent senders, one SendMessageBatch of 10 in flight each.", defaults.Senders);
        var receivers = Int("--receivers", "Concurrent receivers (ReceiveMessage of 10, then DeleteMessageBatch).", defaults.Receivers);
        var bodyBytes = Int("--body-bytes", "Message body size in bytes.", defaults.BodyBytes);
        var json = new Option<bool>("--json") { Description = "Print a JSON object with messagesPerSecond as the last line." };
        var command = new Command(
            "sqs", "SendMessageBatch + ReceiveMessage + DeleteMessageBatch over HTTP (JSON protocol), concurrent clients.")
        {
            endpoint, dataDir, messages, senders, receivers, bodyBytes, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            Uri? address = null;
            if (result.GetValue(endpoint) is { } text && !Uri.TryCreate(text, UriKind.Absolute, out address))
            {
                await Console.Error.WriteLineAsync("--endpoint must be an absolute http:// address").ConfigureAwait(false);
                return 2;
            }

            var options = new SqsBenchmarkOptions
            {
                Endpoint = address,
                DataDirectory = result.GetValue(dataDir),
                Messages = result.GetValue(messages),
                Senders = result.GetValue(senders),
                Receivers = result.GetValue(receivers),
                BodyBytes = result.GetValue(bodyBytes),
            };
            if (!await TryValidateAsync(options.Validate).ConfigureAwait(false))
            {
                return 2;
            }

            Console.WriteLine(
                $"sqs: {(address is null ? "spillway serve on loopback" : address.ToString())}, standard queue, " +
                $"{options.Messages:N0} messages of " +
                $"{options.BodyBytes} bytes; {options.Senders} senders (SendMessageBatch of 10); {options.Receivers} receivers " +
                "(ReceiveMessage of 10, long poll 1 s, DeleteMessageBatch); JSON protocol over HTTP/1.1");
            SqsBenchmarkResult figures;
            try
            {
                figures = await SqsBenchmark.RunAsync(options, Console.Out, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync("the SQS API failed: " + e.Message).ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"messages/s (send batch + receive + delete batch, concurrent): {figures.MessagesPerSecond:N0}");
            Console.WriteLine($"send-only messages/s: {figures.SendOnlyPerSecond:N0}; drain-only messages/s: {figures.DrainPerSecond:N0}");
            Console.WriteLine($"p99 SendMessageBatch round trip: {figures.P99SendBatchMilliseconds:F2} ms");
            if (result.GetValue(json))
            {
                WriteJson(new Dictionary<string, double>
                {
                    ["messagesPerSecond"] = Math.Round(figures.MessagesPerSecond),
                    ["sendOnlyPerSecond"] = Math.Round(figures.SendOnlyPerSecond),
                    ["drainPerSecond"] = Math.Round(figures.DrainPerSecond),
                    ["p99SendBatchMilliseconds"] = Math.Round(figures.P99SendBatchMilliseconds, 3),
                });
            }

            return 0;
        });
        return command;
    }
}
