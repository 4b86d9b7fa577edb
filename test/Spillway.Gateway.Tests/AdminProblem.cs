using System.Net;
using System.Text.Json;

namespace Spillway.Gateway.Tests;

/// <summary>What the admin APIs answer when they refuse: a problem document whose detail says what is wrong.</summary>
internal static class AdminProblem
{
    public static async Task AssertAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
