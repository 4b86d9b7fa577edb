using Spillway.Gateway.Internal;

namespace Spillway.Gateway.Tests;

public sealed class ContentTypesTests
{
    [Theory]
    [InlineData("application/json", false)]
    [InlineData("Application/JSON; charset=UTF-8", false)]
    [InlineData("application/json;charset=\"utf-8\"", false)]
    [InlineData("application/json; charset=utf8; foo=bar", false)]
    [InlineData("application/x-ndjson", true)]
    [InlineData("application/x-ndjson; charset=utf-8", true)]
    [InlineData("application/ndjson", true)]
    public void Accepts_json_and_ndjson_in_utf8(string contentType, bool ndjson)
    {
        Assert.True(ContentTypes.TryParse(contentType, out var format));
        Assert.Equal(ndjson ? BodyFormat.NdJson : BodyFormat.Json, format);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/jsonx")]
    [InlineData("application/json; garbage")]
    public void Refuses_anything_else(string? contentType)
        => Assert.False(ContentTypes.TryParse(contentType, out _));
}
