using Microsoft.AspNetCore.Http;
using Spillway.Gateway.Internal;

namespace Spillway.Gateway.Tests;

public sealed class ApiKeyAuthenticatorTests
{
    private const string First = "first-key-0123456789";
    private const string Second = "second-key-0123456789";
    private static readonly ApiKeyAuthenticator Authenticator = new([First, Second]);

    private static HttpRequest Request(string header, string value)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[header] = value;
        return context.Request;
    }

    [Fact]
    public void Without_keys_every_request_passes()
        => Assert.True(new ApiKeyAuthenticator([]).IsAuthorized(new DefaultHttpContext().Request));

    [Theory]
    [InlineData("Authorization", "Bearer " + First)]
    [InlineData("Authorization", "bearer " + Second)]
    [InlineData("X-Api-Key", First)]
    [InlineData("X-Api-Key", " " + Second + " ")]
    public void Any_configured_key_passes_in_either_header(string header, string value)
        => Assert.True(Authenticator.IsAuthorized(Request(header, value)));

    [Theory]
    [InlineData("Authorization", First)]
    [InlineData("Authorization", "Basic " + First)]
    [InlineData("Authorization", "Bearer ")]
    [InlineData("Authorization", "Bearer " + First + "x")]
    [InlineData("X-Api-Key", "first-key-012345678")]
    [InlineData("X-Api-Key", "")]
    [InlineData("X-Other", First)]
    public void Anything_else_is_refused(string header, string value)
        => Assert.False(Authenticator.IsAuthorized(Request(header, value)));

    [Fact]
    public void An_overlong_presented_key_is_refused_without_failing()
        => Assert.False(Authenticator.IsAuthorized(Request("X-Api-Key", new string('k', 100_000))));

    [Fact]
    public void Two_values_of_the_header_are_refused()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Api-Key"] = new[] { First, Second };
        Assert.False(Authenticator.IsAuthorized(context.Request));
    }
}
