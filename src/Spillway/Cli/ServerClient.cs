using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary>Talks to a running server for the client subcommands; errors become a message and a non-zero exit code.</summary>
internal sealed class ServerClient : IDisposable
{
    private readonly HttpClient http;

    private ServerClient(Uri server, string? apiKey)
    {
        http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public static Option<string> ServerOption { get; } = new("--server")
    {
        Description = "The Spillway server (default: http://localhost:8080, or SPILLWAY_SERVER).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SPILLWAY_SERVER") ?? "http://localhost:8080",
    };

    public static Option<string?> ApiKeyOption { get; } = new("--api-key")
    {
        Description = "API key (default: SPILLWAY_API_KEY).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SPILLWAY_API_KEY"),
    };

    public static ServerClient From(ParseResult result)
    {
        var server = result.GetValue(ServerOption)!;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--server must be an http(s) URL (got '{server}')");
        }

        return new ServerClient(uri, result.GetValue(ApiKeyOption));
    }

    /// <summary>
    /// Runs a client command: builds the client from the options, turns a <see cref="CliException"/> into a message on
    /// stderr and its exit code, and Ctrl-C into a quiet exit (130, as shells report SIGINT).
    /// </summary>
    public static async Task<int> RunAsync(ParseResult result, Func<ServerClient, Task<int>> action)
    {
        try
        {
            using var client = From(result);
            return await action(client).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync("spillway: " + e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    /// <inheritdoc cref="RunAsync(ParseResult, Func{ServerClient, Task{int}})"/>
    public static Task<int> RunAsync(ParseResult result, Func<ServerClient, Task> action) =>
        RunAsync(result, async client =>
        {
            await action(client).ConfigureAwait(false);
            return 0;
        });

    public async Task<JsonDocument> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Failure(response, body);
        }

        return JsonDocument.Parse(body.Length == 0 ? "{}" : body);
    }

    /// <summary>
    /// Sends a request and returns whatever the server answered; only an unreachable server throws. With
    /// <see cref="HttpCompletionOption.ResponseHeadersRead"/> the body is left to read as it arrives, for as long as it
    /// lasts (the timeout covers the headers only).
    /// </summary>
    public async Task<HttpResponseMessage> SendRawAsync(
        HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach {http.BaseAddress}: {e.Message}", CliException.Unreachable);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:F0} s", CliException.Unreachable);
        }
    }

    /// <summary>The error for a non-success answer: the problem's detail, and 401 said in words.</summary>
    public static CliException Failure(HttpResponseMessage response, string body) => response.StatusCode switch
    {
        System.Net.HttpStatusCode.Unauthorized => new CliException("the server needs an API key: pass --api-key or set SPILLWAY_API_KEY"),
        _ => new CliException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}"),
    };

    public void Dispose() => http.Dispose();

    private static string Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}

/// <summary>A client command failed in a way the user can act on; printed without a stack trace.</summary>
internal sealed class CliException(string message, int exitCode = CliException.Failed) : Exception(message)
{
    /// <summary>The server refused the request, a name is wrong or the input is bad.</summary>
    public const int Failed = 1;

    /// <summary>The server could not be reached or did not answer in time.</summary>
    public const int Unreachable = 3;

    public int ExitCode { get; } = exitCode;
}
