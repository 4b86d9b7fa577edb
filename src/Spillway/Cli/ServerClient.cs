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

    public async Task<JsonDocument> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach {http.BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:F0} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}");
            }

            return JsonDocument.Parse(body.Length == 0 ? "{}" : body);
        }
    }

    /// <summary>
    /// POSTs a body as is; answers the status, the Retry-After seconds of a 503 and the body. Connection failures
    /// become a <see cref="CliException"/>.
    /// </summary>
    public async Task<(int Status, int? RetryAfterSeconds, string Body)> PostAsync(
        string path, byte[] body, string contentType, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } },
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)Math.Ceiling(delta.TotalSeconds) : (int?)null;
            return ((int)response.StatusCode, retryAfter, response.IsSuccessStatusCode ? text : Detail(text));
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach {http.BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:F0} s");
        }
    }

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
internal sealed class CliException(string message) : Exception(message);
