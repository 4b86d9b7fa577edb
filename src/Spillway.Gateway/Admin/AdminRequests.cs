using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Spillway.Gateway.Admin;

/// <summary>
/// Reads what an operator sends to the admin endpoints strictly: a body must be one JSON object whose members are the
/// documented ones, each once and of its type (no number from a string). Every
/// refusal is a 400 problem that says what is wrong; nothing is read loosely and then acted on.
/// </summary>
internal static class AdminRequests
{
    /// <summary>An optional JSON body: null when the request has none.</summary>
    public static async Task<(T? Body, IResult? Problem)> ReadOptionalAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        if (request.ContentLength is 0 or null && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, null);
        }

        return await ReadAsync(request, type).ConfigureAwait(false);
    }

    /// <summary>A JSON object body that must be there.</summary>
    public static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return body is null ? (null, Malformed("The body must be a JSON object.")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, Malformed(Describe(e, type)));
        }
        catch (BadHttpRequestException e)
        {
            return (null, Malformed("The body could not be read: " + e.Message));
        }
    }

    private static IResult Malformed(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON");

    /// <summary>The serializer's reason in the API's terms: the member at fault and what was expected, never a .NET type.</summary>
    private static string Describe<T>(JsonException e, JsonTypeInfo<T> type)
    {
        var at = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
        var members = string.Join(", ", type.Properties.Select(p => p.Name));
        if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"An unknown member{at}; the body takes only: {members}.";
        }

        if (e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return $"A member appears twice{at}.";
        }

        if (e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"A value has the wrong type{at}: numbers are JSON numbers, names JSON strings, flags true or false.";
        }

        return $"The body is not valid JSON{at}: {e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]}";
    }
}
