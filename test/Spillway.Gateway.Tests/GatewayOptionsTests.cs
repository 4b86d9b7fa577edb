namespace Spillway.Gateway.Tests;

public sealed class GatewayOptionsTests
{
    private const string Key = "k3y-0123456789abcdef";

    [Fact]
    public void Submit_route_is_valid()
        => IngestRouteOptions.CreateSubmitRoute().Validate("Spillway:Routes:0");

    [Theory]
    [InlineData("Path")]
    [InlineData("QueueName")]
    [InlineData("MaxBodyBytes")]
    [InlineData("MaxRecordsPerRequest")]
    [InlineData("MaxBacklog")]
    public void Bad_route_setting_names_its_key(string setting)
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        switch (setting)
        {
            case "Path": route.Path = "submit"; break;
            case "QueueName": route.QueueName = " "; break;
            case "MaxBodyBytes": route.MaxBodyBytes = 0; break;
            case "MaxRecordsPerRequest": route.MaxRecordsPerRequest = 0; break;
            case "MaxBacklog": route.MaxBacklog = 0; break;
        }

        var e = Assert.Throws<GatewayConfigurationException>(() => route.Validate("Spillway:Routes:3"));
        Assert.Equal($"Spillway:Routes:3:{setting}", e.Key);
        Assert.StartsWith(e.Key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_without_fields_that_refuses_unknown_fields_names_the_key()
    {
        var route = new IngestRouteOptions { Path = "/x", QueueName = "x" };
        Assert.Equal("Spillway:Routes:0:Fields", Assert.Throws<GatewayConfigurationException>(() => route.Validate("Spillway:Routes:0")).Key);
        route.AllowUnknownFields = true;
        route.Validate("Spillway:Routes:0");
    }

    [Fact]
    public void Max_length_on_a_number_field_names_the_field()
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.Fields["age"] = new FieldSchema { Type = "integer", MaxLength = 3 };
        var e = Assert.Throws<GatewayConfigurationException>(() => route.Validate("Spillway:Routes:0"));
        Assert.Equal("Spillway:Routes:0:Fields:age", e.Key);
    }

    [Fact]
    public void Undefined_field_type_names_the_key()
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.Fields["x"] = new FieldSchema { Type = "date" };
        var e = Assert.Throws<GatewayConfigurationException>(() => route.Validate("Spillway:Routes:0"));
        Assert.Equal("Spillway:Routes:0:Fields:x:Type", e.Key);
    }

    [Fact]
    public void Short_api_key_is_refused_without_showing_it()
    {
        var options = new GatewayOptions { ApiKeys = ["short-secret"] };
        var e = Assert.Throws<GatewayConfigurationException>(() => options.ResolveApiKeys());
        Assert.Equal("Spillway:Gateway:ApiKeys:0", e.Key);
        Assert.DoesNotContain("short-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_come_from_the_list_and_the_secret_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "# rotated monthly\n\nfile-key-0123456789abcdef\n");
            var options = new GatewayOptions { ApiKeys = [Key], ApiKeysFile = file };
            Assert.Equal([Key, "file-key-0123456789abcdef"], options.ResolveApiKeys());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Missing_secret_file_names_the_key()
        => Assert.Equal(
            "Spillway:Gateway:ApiKeysFile",
            Assert.Throws<GatewayConfigurationException>(() => new GatewayOptions { ApiKeysFile = "/nonexistent/keys" }.ResolveApiKeys()).Key);

    [Fact]
    public void ToString_redacts_keys()
        => Assert.DoesNotContain(Key, new GatewayOptions { ApiKeys = [Key] }.ToString(), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://[::1]:5000")]
    public void Loopback_without_key_may_listen(string url)
        => new GatewayOptions().EnsureSafeToListen([url]);

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://192.168.1.10:5000")]
    [InlineData("http://example.com:5000")]
    public void Non_loopback_without_key_refuses_to_listen(string url)
    {
        var e = Assert.Throws<GatewayConfigurationException>(() => new GatewayOptions().EnsureSafeToListen(["http://127.0.0.1:1", url]));
        Assert.Equal("Spillway:Gateway:ApiKeys", e.Key);
        new GatewayOptions { ApiKeys = [Key] }.EnsureSafeToListen([url]);
        new GatewayOptions { AllowUnauthenticatedRemote = true }.EnsureSafeToListen([url]);
    }
}
