using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway objects ls|get</c> against a running server's <c>/v1/objects</c>: the object store's buckets, the
/// delivery files and exports in them.</summary>
internal static class ObjectCommands
{
    public static Command Create() => new("objects", "List the object store's buckets and objects on a running server, and download an object.")
    {
        List(), Get(),
    };

    private static Command List()
    {
        var path = new Argument<string?>("bucket[/prefix]") { Description = "A bucket, optionally with a key prefix; none lists the buckets.", Arity = ArgumentArity.ZeroOrOne };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Every key under the prefix, not rolled up at '/'." };
        var command = new Command("ls", "List buckets, or the objects and prefixes (PRE) under bucket[/prefix], as aws s3 ls does.")
        {
            path, recursive, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            if (result.GetValue(path) is not { Length: > 0 } target)
            {
                using var buckets = await client.SendAsync(HttpMethod.Get, "/v1/objects", null, cancellationToken).ConfigureAwait(false);
                foreach (var bucket in buckets.RootElement.GetProperty("buckets").EnumerateArray())
                {
                    Console.WriteLine($"{Time(bucket.GetProperty("created"))} {bucket.GetProperty("name").GetString()}");
                }

                return;
            }

            var (name, prefix) = Split(target);
            string? startAfter = null;
            do
            {
                var query = $"?prefix={Uri.EscapeDataString(prefix)}"
                    + (result.GetValue(recursive) ? "" : "&delimiter=%2F")
                    + (startAfter is null ? "" : "&startAfter=" + Uri.EscapeDataString(startAfter));
                using var page = await client.SendAsync(HttpMethod.Get, $"/v1/objects/{Uri.EscapeDataString(name)}{query}", null, cancellationToken)
                    .ConfigureAwait(false);
                var root = page.RootElement;
                foreach (var common in root.GetProperty("commonPrefixes").EnumerateArray())
                {
                    Console.WriteLine($"{"PRE",30} {common.GetString()}");
                }

                foreach (var item in root.GetProperty("objects").EnumerateArray())
                {
                    var size = item.GetProperty("size").GetInt64().ToString(CultureInfo.InvariantCulture);
                    Console.WriteLine($"{Time(item.GetProperty("lastModified"))} {size,10} {item.GetProperty("key").GetString()}");
                }

                startAfter = root.TryGetProperty("nextStartAfter", out var next) ? next.GetString() : null;
            }
            while (startAfter is not null);
        }));
        return command;
    }

    private static Command Get()
    {
        var source = new Argument<string>("bucket/key") { Description = "The object." };
        var file = new Argument<string?>("file") { Description = "Where to write it; none or '-' writes to standard output.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("get", "Download an object to a file or standard output.")
        {
            source, file, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var (bucket, key) = Split(result.GetValue(source)!);
            if (key.Length == 0)
            {
                throw new CliException("name the object as bucket/key");
            }

            var path = $"/v1/objects/{Uri.EscapeDataString(bucket)}/{string.Join('/', key.Split('/').Select(Uri.EscapeDataString))}";
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            using var response = await client.SendRawAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw ServerClient.Failure(response, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                if (result.GetValue(file) is { Length: > 0 } target && target != "-")
                {
                    var output = File.Create(target);
                    await using (output.ConfigureAwait(false))
                    {
                        await body.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    var output = Console.OpenStandardOutput();
                    await using (output.ConfigureAwait(false))
                    {
                        await body.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }));
        return command;
    }

    private static (string Bucket, string Remainder) Split(string target)
    {
        var trimmed = target.StartsWith("s3://", StringComparison.Ordinal) ? target[5..] : target;
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (trimmed, string.Empty) : (trimmed[..slash], trimmed[(slash + 1)..]);
    }

    private static string Time(JsonElement value) =>
        value.GetDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
