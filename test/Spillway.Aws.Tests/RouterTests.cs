using System.Formats.Cbor;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.Aws.Signing;
using Spillway.TestKit;

namespace Spillway.Aws.Tests;

/// <summary>The router on a real Kestrel: three small services that answer which of them ran, as the next wave's will.</summary>
public sealed class RouterTests : IAsyncLifetime
{
    private static readonly AwsServiceDescription Alpha = new()
    {
        Name = "Alpha",
        SigningName = "alpha",
        TargetPrefix = "Alpha.",
        QueryVersion = "2020-01-01",
        XmlNamespace = "urn:alpha",
        QueryActions = new HashSet<string> { "Echo", "Shared", "OnlyAlpha" },
        JsonTypePrefix = "com.alpha#",
        QueryCompatibleErrors = true,
        RouteTemplates = ["/{account}/{name}"],
    };

    private static readonly AwsServiceDescription Beta = new()
    {
        Name = "Beta",
        SigningName = "beta",
        QueryVersion = "2010-03-31",
        XmlNamespace = "urn:beta",
        QueryActions = new HashSet<string> { "Shared", "OnlyBeta" },
        MaxRequestBytes = 1024,
    };

    private static readonly AwsServiceDescription Gamma = new()
    {
        Name = "Gamma",
        SigningName = "gamma",
        TargetPrefix = "Gamma_20131202.",
        JsonVersion = "1.1",
        AcceptsCbor = true,
        Errors = AwsServiceErrors.Json,
    };

    private TestWebHost host = null!;
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        host = await StartAsync(new EchoService(Alpha, claimsTwoSegments: true), new EchoService(Beta), new EchoService(Gamma));
        client = host.Client;
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_json_target_goes_to_the_service_with_its_prefix_and_is_answered_in_its_json_version()
    {
        var alpha = await JsonAsync("Alpha.Echo", """{"Value":"a"}""");
        var gamma = await JsonAsync("Gamma_20131202.Echo", """{"Value":"g"}""", "application/x-amz-json-1.1");

        Assert.Equal(("Alpha", "Echo", "a"), (alpha.Json!.Value.GetProperty("Service").GetString(), alpha.Json.Value.GetProperty("Action").GetString(),
            alpha.Json.Value.GetProperty("Value").GetString()));
        Assert.Equal("application/x-amz-json-1.0", alpha.ContentType);
        Assert.Equal("Gamma", gamma.Json!.Value.GetProperty("Service").GetString());
        Assert.Equal("application/x-amz-json-1.1", gamma.ContentType);
        Assert.False(string.IsNullOrEmpty(gamma.RequestId));
    }

    [Fact]
    public async Task A_cbor_request_is_answered_in_cbor_by_a_service_that_takes_it_and_refused_by_one_that_does_not()
    {
        var writer = new CborWriter();
        writer.WriteStartMap(1);
        writer.WriteTextString("Value");
        writer.WriteTextString("c");
        writer.WriteEndMap();

        var gamma = await SendAsync("Gamma_20131202.Echo", writer.Encode(), "application/x-amz-cbor-1.1");
        Assert.Equal((HttpStatusCode.OK, "application/x-amz-cbor-1.1"), (gamma.Status, gamma.ContentType));
        var members = ReadCborMap(gamma.Body);
        Assert.Equal(("Gamma", "c"), (members["Service"], members["Value"]));

        var alpha = await SendAsync("Alpha.Echo", writer.Encode(), "application/x-amz-cbor-1.1");
        Assert.Equal((HttpStatusCode.BadRequest, "application/x-amz-cbor-1.1"), (alpha.Status, alpha.ContentType));
        Assert.Equal("com.alpha#InvalidParameterValue", ReadCborMap(alpha.Body)["__type"]);
    }

    [Fact]
    public async Task A_target_no_service_serves_gets_the_json_protocols_error()
    {
        var answer = await JsonAsync("AmazonS3.ListBuckets", "{}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("UnknownOperationException", answer.Json!.Value.GetProperty("__type").GetString());
        Assert.Null(answer.QueryError);
    }

    [Theory]
    [InlineData("Action=Shared&Version=2010-03-31", "Beta")]
    [InlineData("Action=Shared&Version=2020-01-01", "Alpha")]
    [InlineData("Action=OnlyBeta", "Beta")]
    [InlineData("Action=OnlyAlpha", "Alpha")]
    [InlineData("Action=Shared", "Alpha")]
    [InlineData("Action=Elsewhere", "Alpha")]
    public async Task A_query_request_goes_by_version_then_action_then_to_the_first_query_service(string form, string expected)
    {
        var answer = await QueryAsync("/", form);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(expected, answer.Value("Service"));
        Assert.Equal("urn:" + expected.ToLowerInvariant(), answer.Xml!.Root!.Name.NamespaceName);
    }

    [Fact]
    public async Task The_credential_scope_of_a_signature_names_the_query_service_before_anything_else()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent("Action=Shared&Version=2020-01-01", Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation(
            "Authorization", "AWS4-HMAC-SHA256 Credential=KEY/20260101/us-east-1/beta/aws4_request, SignedHeaders=host, Signature=00");

        var answer = await ReadAsync(await client.SendAsync(request));

        Assert.Equal("Beta", answer.Value("Service"));
    }

    [Fact]
    public async Task A_path_a_service_claims_goes_to_it_with_the_query_string_read()
    {
        using var response = await client.GetAsync("/000000000000/orders?Action=Echo&Value=v");
        var answer = await ReadAsync(response);

        Assert.Equal(("Alpha", "v"), (answer.Value("Service"), answer.Value("Value")));
    }

    [Fact]
    public async Task A_query_request_without_an_action_or_with_a_repeated_parameter_is_refused_in_the_services_shape()
    {
        var missing = await QueryAsync("/", "Version=2010-03-31");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidAction"), (missing.Status, missing.Value("Code")));
        Assert.Equal("urn:beta", missing.Xml!.Root!.Name.NamespaceName);

        var repeated = await QueryAsync("/", "Action=Echo&Action=OnlyBeta");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidParameterValue"), (repeated.Status, repeated.Value("Code")));
        Assert.Contains("Action", repeated.Value("Message"), StringComparison.Ordinal);

        var malformed = await QueryAsync("/", "Action=Echo&Value=%zz");
        Assert.Equal((HttpStatusCode.NotFound, "MalformedQueryString"), (malformed.Status, malformed.Value("Code")));
    }

    [Fact]
    public async Task A_request_over_the_services_limit_is_RequestEntityTooLarge()
    {
        var answer = await QueryAsync("/", "Action=OnlyBeta&Version=2010-03-31&Value=" + new string('x', 2000));

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge"), (answer.Status, answer.Value("Code")));
    }

    [Fact]
    public async Task An_unexpected_failure_is_ServiceUnavailable_in_the_requests_protocol_never_a_500()
    {
        var query = await QueryAsync("/", "Action=Crash&Version=2020-01-01");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "Receiver"), (query.Status, query.Value("Code"), query.Value("Type")));

        var json = await JsonAsync("Alpha.Crash", "{}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, json.Status);
        Assert.Equal("com.alpha#ServiceUnavailable", json.Json!.Value.GetProperty("__type").GetString());
        Assert.Equal("ServiceUnavailable;Receiver", json.QueryError);

        var gamma = await JsonAsync("Gamma_20131202.Refuse", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, gamma.Status);
        Assert.Equal("ValidationException", gamma.Json!.Value.GetProperty("__type").GetString());
        Assert.Null(gamma.QueryError);
    }

    [Fact]
    public async Task Signatures_are_required_when_a_service_has_credentials_and_answered_in_its_codes()
    {
        var credentials = SigningCredentials.Create([KeyValuePair.Create("KEY", "secret")]);
        await using (var signed = await StartAsync(
            new EchoService(Alpha with { Credentials = credentials }),
            new EchoService(Gamma with { Credentials = credentials }),
            new EchoService(Beta with { RefusalReason = "not here" })))
        {
            client = signed.Client;
            var query = await QueryAsync("/", "Action=Echo&Version=2020-01-01");
            Assert.Equal((HttpStatusCode.Forbidden, "MissingAuthenticationToken"), (query.Status, query.Value("Code")));

            var json = await JsonAsync("Gamma_20131202.Echo", "{}");
            Assert.Equal("MissingAuthenticationTokenException", json.Json!.Value.GetProperty("__type").GetString());

            var refused = await QueryAsync("/", "Action=OnlyBeta&Version=2010-03-31");
            Assert.Equal((HttpStatusCode.Forbidden, "AccessDenied", "not here"), (refused.Status, refused.Value("Code"), refused.Value("Message")));
        }
    }

    [Fact]
    public async Task Without_a_query_service_a_query_request_gets_the_query_protocols_error()
    {
        await using (var jsonOnly = await StartAsync(new EchoService(Gamma)))
        {
            client = jsonOnly.Client;
            var answer = await QueryAsync("/", "Action=Echo");

            Assert.Equal((HttpStatusCode.BadRequest, "InvalidAction"), (answer.Status, answer.Value("Code")));
            Assert.Equal("ErrorResponse", answer.Xml!.Root!.Name.LocalName);
        }
    }

    [Fact]
    public void Two_services_with_the_same_signing_name_or_overlapping_prefixes_cannot_both_register()
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var host = builder.Build();
        host.MapAwsService(new EchoService(Alpha));

        Assert.Throws<InvalidOperationException>(() => host.MapAwsService(new EchoService(Alpha with { Name = "Again", TargetPrefix = null })));
        Assert.Throws<InvalidOperationException>(() => host.MapAwsService(new EchoService(Gamma with { TargetPrefix = "Alpha.Sub." })));
    }

    private static Task<TestWebHost> StartAsync(params AwsService[] services) => TestWebHost.StartAsync(app =>
    {
        foreach (var service in services)
        {
            app.MapAwsService(service);
        }
    });

    private async Task<Answer> JsonAsync(string target, string body, string contentType = "application/x-amz-json-1.0") =>
        await SendAsync(target, Encoding.UTF8.GetBytes(body), contentType);

    private async Task<Answer> SendAsync(string target, byte[] body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Amz-Target", target);
        request.Content.Headers.ContentType = new(contentType);
        return await ReadAsync(await client.SendAsync(request));
    }

    private async Task<Answer> QueryAsync(string path, string form)
    {
        using var content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");
        return await ReadAsync(await client.PostAsync(path, content));
    }

    private static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync();
            var type = response.Content.Headers.ContentType?.MediaType ?? string.Empty;
            return new Answer(
                response.StatusCode,
                type,
                body,
                type.Contains("json", StringComparison.Ordinal) && body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : null,
                type == "text/xml" ? XDocument.Parse(Encoding.UTF8.GetString(body)) : null,
                response.Headers.TryGetValues("x-amzn-query-error", out var errors) ? errors.Single() : null,
                response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.Single() : null);
        }
    }

    private static Dictionary<string, string> ReadCborMap(byte[] body)
    {
        var reader = new CborReader(body);
        var members = new Dictionary<string, string>();
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            members[reader.ReadTextString()] = reader.ReadTextString();
        }

        return members;
    }

    private sealed record Answer(
        HttpStatusCode Status, string ContentType, byte[] Body, JsonElement? Json, XDocument? Xml, string? QueryError, string? RequestId)
    {
        public string? Value(string element) => Xml?.Descendants().FirstOrDefault(e => e.Name.LocalName == element)?.Value;
    }

    /// <summary>Answers with its name, the action and the parameter "Value"; "Crash" fails unexpectedly, "Refuse" refuses.</summary>
    private sealed class EchoService(AwsServiceDescription description, bool claimsTwoSegments = false) : AwsService(description)
    {
        public override bool ClaimsPath(PathString path) =>
            claimsTwoSegments && path.Value!.Trim('/').Split('/').Length == 2;

        public override ValueTask HandleAsync(AwsCall call)
        {
            switch (call.Action)
            {
                case "Crash":
                    throw new InvalidOperationException("boom");
                case "Refuse":
                    throw call.Input.Errors.Invalid("Value", "x", "refused");
            }

            call.Response.Begin(call.Action);
            call.Response.String("Service", Description.Name);
            call.Response.String("Action", call.Action);
            call.Response.String("Value", call.Input.String("Value"));
            call.Response.End(call.Action, call.RequestId);
            return ValueTask.CompletedTask;
        }
    }
}
