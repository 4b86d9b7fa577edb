using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Spillway.Gateway.Internal;
using Spillway.TestKit;

namespace Spillway.Gateway.Tests;

/// <summary>A request that does not fit an endpoint gets a problem saying what is wrong, not ASP.NET's empty 400 or 405.</summary>
public sealed class EndpointProblemsTests
{
    private static Task<TestWebHost> StartAsync() => GatewayServer.StartAsync(app =>
    {
        var group = app.MapGroup("/v1/things").WithParameterProblems();
        group.MapGet("/{id}", (Guid id, int? limit, Mode? mode, [FromHeader(Name = "X-Page")] int? page, bool verbose = false)
            => Results.Text($"{id} {limit} {mode} {page} {verbose}"));
        group.MapGet("/{id}/count", (Guid id, [FromQuery(Name = "min")] long minimum) => Results.Text($"{minimum}"));
        group.MapOtherMethods("/{id}", "GET");
    });

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string parameter)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        return problem;
    }

    [Theory]
    [InlineData("/v1/things/not-a-guid", "id", "id must be a GUID (got 'not-a-guid').")]
    [InlineData("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11?limit=abc", "limit", "limit must be a whole number (got 'abc').")]
    [InlineData("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11?limit=99999999999", "limit", "limit must be a whole number (got '99999999999').")]
    [InlineData("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11?verbose=maybe", "verbose", "verbose must be true or false (got 'maybe').")]
    [InlineData("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11?mode=loud", "mode", "mode must be one of quiet, full (got 'loud').")]
    [InlineData("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11/count", "min", "min is required.")]
    [InlineData("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11/count?min=1.5", "min", "min must be a whole number (got '1.5').")]
    public async Task A_parameter_that_does_not_bind_is_a_400_naming_it_and_what_it_must_be(string url, string parameter, string detail)
    {
        await using var server = await StartAsync();

        using var response = await server.Client.GetAsync(url);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, parameter);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_header_that_does_not_bind_is_named_too()
    {
        await using var server = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11");
        request.Headers.Add("X-Page", "two");

        using var response = await server.Client.SendAsync(request);

        await ProblemAsync(response, HttpStatusCode.BadRequest, "X-Page");
    }

    [Fact]
    public async Task Parameters_that_bind_reach_the_handler()
    {
        await using var server = await StartAsync();

        var text = await server.Client.GetStringAsync("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11?limit=5&mode=Full&verbose=true");

        Assert.Equal("6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11 5 Full  True", text);
    }

    [Fact]
    public async Task Another_method_is_a_405_naming_the_allowed_ones()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.DeleteAsync("/v1/things/6f1c2a9e-7a53-4d5e-9d8a-6c1b0f5e4a11");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("DELETE is not allowed here; use GET.", problem.GetProperty("detail").GetString());
    }

    public enum Mode
    {
        Quiet,
        Full,
    }
}
