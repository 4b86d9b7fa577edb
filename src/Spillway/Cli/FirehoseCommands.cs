using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway firehose list|describe|flush</c> against a running server's <c>/v1/delivery-streams</c>.</summary>
internal static class FirehoseCommands
{
    public static Command Create() => new("firehose", "List and describe delivery streams on a running server, and deliver their buffers now.")
    {
        List(), Describe(), Flush(),
    };

    private static Command List()
    {
        var command = new Command("list", "List delivery streams with their buffers and what they delivered since the server started.")
        {
            ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(HttpMethod.Get, "/v1/delivery-streams", null, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("NAME", "BUCKET", "BUFFERED RECORDS", "BUFFERED BYTES", "FILES", "BYTES WRITTEN", "FAILED RECORDS", "RETRIES");
            foreach (var s in document.RootElement.GetProperty("deliveryStreams").EnumerateArray())
            {
                table.Add(
                    s.GetProperty("name").GetString(),
                    s.GetProperty("bucket").GetString(),
                    s.GetProperty("bufferedRecords").GetInt64(),
                    s.GetProperty("bufferedBytes").GetInt64(),
                    s.GetProperty("filesWritten").GetInt64(),
                    s.GetProperty("bytesWritten").GetInt64(),
                    s.GetProperty("recordsFailed").GetInt64(),
                    s.GetProperty("deliveryFailures").GetInt64());
            }

            table.Write(Console.Out);
        }));
        return command;
    }

    private static Command Describe()
    {
        var name = new Argument<string>("name") { Description = "The delivery stream." };
        var command = new Command("describe", "Show a delivery stream's settings and counters.")
        {
            name, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var path = "/v1/delivery-streams/" + Uri.EscapeDataString(result.GetValue(name)!);
            using var document = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Object => property.Value.GetRawText(),
                    _ => property.Value.ToString(),
                };
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{property.Name,-28} {value}"));
            }
        }));
        return command;
    }

    private static Command Flush()
    {
        var name = new Argument<string>("name") { Description = "The delivery stream." };
        var command = new Command("flush", "Deliver what the stream buffers now, whatever its hints say, and print the keys of the files written.")
        {
            name, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var path = "/v1/delivery-streams/" + Uri.EscapeDataString(result.GetValue(name)!) + "/flush";
            using var document = await client.SendAsync(HttpMethod.Post, path, null, cancellationToken).ConfigureAwait(false);
            var bucket = document.RootElement.GetProperty("bucket").GetString();
            var files = document.RootElement.GetProperty("files").EnumerateArray().ToList();
            if (files.Count == 0)
            {
                Console.WriteLine("nothing was buffered");
            }

            foreach (var file in files)
            {
                Console.WriteLine($"s3://{bucket}/{file.GetString()}");
            }
        }));
        return command;
    }
}
