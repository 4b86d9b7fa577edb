using System.Text;
using Microsoft.Extensions.Configuration;

namespace Spillway.Gateway.Tests;

/// <summary>The shape documented on <see cref="IngestRouteOptions"/> binds from spillway.json as the host binds it.</summary>
public sealed class ConfigurationBindingTests
{
    private static IConfiguration Load(string json)
        => new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    [Fact]
    public void Routes_bind_from_the_documented_json_shape()
    {
        var configuration = Load("""
            {
              "Spillway": {
                "Routes": [
                  {
                    "Path": "/submit",
                    "QueueName": "submit",
                    "MaxBodyBytes": 65536,
                    "MaxRecordsPerRequest": 50,
                    "MaxBacklog": 1000,
                    "AllowUnknownFields": true,
                    "Fields": {
                      "name":  { "Type": "string", "Required": true, "MaxLength": 200 },
                      "email": { "Type": "string", "Required": true, "MaxLength": 320, "Format": "email" },
                      "age":   { "Type": "integer" }
                    }
                  }
                ],
                "Gateway": { "ApiKeys": [ "bound-key-0123456789" ], "RetryAfterSeconds": 5 }
              }
            }
            """);

        var route = Assert.Single(configuration.GetSection("Spillway:Routes").Get<List<IngestRouteOptions>>()!);
        var gateway = configuration.GetSection("Spillway:Gateway").Get<GatewayOptions>()!;

        route.Validate("Spillway:Routes:0");
        Assert.Equal(("/submit", "submit", 65536, 50, 1000L, true),
            (route.Path, route.QueueName, route.MaxBodyBytes, route.MaxRecordsPerRequest, route.MaxBacklog, route.AllowUnknownFields));
        Assert.Equal("email", route.Fields["email"].Format);
        Assert.Equal(320, route.Fields["email"].MaxLength);
        Assert.True(route.Fields["name"].Required);
        Assert.Equal("integer", route.Fields["age"].Type);
        Assert.False(route.Fields["age"].Required);
        Assert.Equal(["bound-key-0123456789"], gateway.ResolveApiKeys());
        Assert.Equal(5, gateway.RetryAfterSeconds);
    }

    [Theory]
    [InlineData("""{ "Type": "date" }""", "Type", "date")]
    [InlineData("""{ "Format": "phone" }""", "Format", "phone")]
    [InlineData("""{ "Type": "integer", "MaxLength": 3 }""", null, "string fields only")]
    public void Bad_field_in_json_stops_validation_naming_the_key(string field, string? setting, string fragment)
    {
        var configuration = Load($$"""{ "Routes": [ { "Path": "/x", "QueueName": "x", "Fields": { "a": {{field}} } } ] }""");
        var route = configuration.GetSection("Routes").Get<List<IngestRouteOptions>>()![0];
        var e = Assert.Throws<GatewayConfigurationException>(() => route.Validate("Spillway:Routes:0"));
        Assert.Equal(setting is null ? "Spillway:Routes:0:Fields:a" : $"Spillway:Routes:0:Fields:a:{setting}", e.Key);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }
}
