using System.Net;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// HTTP endpoint and SQL table destinations that break a rule are refused with Firehose's 400 errors and a message that
/// names the rule, never a 500; a valid table destination is described back as declared.
/// </summary>
public sealed class FirehoseDestinationValidationTests : IAsyncLifetime
{
    private const string Role = "arn:aws:iam::000000000000:role/firehose";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-firehose-destinations-");
    private SpillwayProcess server = null!;

    public async Task InitializeAsync()
    {
        var environment = SpillwayProcess.AnySignature();
        environment["Spillway__Sinks__warehouse__DatabaseUrl"] = "sqlite:///" + Path.Combine(work.FullName, "warehouse.db").TrimStart('/');
        server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        work.Delete(recursive: true);
    }

    private static object Backup => new { RoleARN = Role, BucketARN = "arn:aws:s3:::failures" };

    private static object Endpoint(object? retry = null, object? hints = null, string url = "http://127.0.0.1:9/ingest") => new
    {
        EndpointConfiguration = new { Url = url, AccessKey = "never-shown" },
        RetryOptions = retry ?? new { DurationInSeconds = 60 },
        BufferingHints = hints ?? new { SizeInMBs = 1, IntervalInSeconds = 60 },
        S3Configuration = Backup,
    };

    private static object Table(string database = "warehouse", string type = "text", string column = "device") => new
    {
        Database = database,
        TableName = "readings",
        Columns = new[] { new { Column = column, Field = "device", Type = type } },
        S3Configuration = Backup,
    };

    public static TheoryData<string, object, string, string> Refused => new()
    {
        { "retry", new { HttpEndpointDestinationConfiguration = Endpoint(retry: new { DurationInSeconds = 7201 }) }, "ValidationException", "between 0 and 7200" },
        { "size", new { HttpEndpointDestinationConfiguration = Endpoint(hints: new { SizeInMBs = 65, IntervalInSeconds = 60 }) }, "ValidationException", "between 1 and 64" },
        { "url", new { HttpEndpointDestinationConfiguration = Endpoint(url: "ftp://127.0.0.1/ingest") }, "InvalidArgumentException", "http or https" },
        { "database", new { SqlTableDestinationConfiguration = Table(database: "elsewhere") }, "InvalidArgumentException", "not a configured sink" },
        { "type", new { SqlTableDestinationConfiguration = Table(type: "decimal") }, "InvalidArgumentException", "the types are text" },
        { "column", new { SqlTableDestinationConfiguration = Table(column: "no such column") }, "InvalidArgumentException", "no such column" },
        { "both", new { HttpEndpointDestinationConfiguration = Endpoint(), SqlTableDestinationConfiguration = Table() }, "InvalidArgumentException", "one destination" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_destination_that_breaks_a_rule_is_refused_with_a_400_naming_it(string name, object destination, string code, string message)
    {
        var request = JsonSerializer.SerializeToNode(destination)!.AsObject();
        request["DeliveryStreamName"] = name;

        using var response = await FirehoseLoad.CallAsync(server, "CreateDeliveryStream", request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(body);
        Assert.Equal(code, error.RootElement.GetProperty("__type").GetString());
        Assert.Contains(message, error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_destination_is_described_as_declared_and_an_endpoint_without_its_access_key()
    {
        using (var created = await FirehoseLoad.CallAsync(server, "CreateDeliveryStream", new { DeliveryStreamName = "table", SqlTableDestinationConfiguration = Table() }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var created = await FirehoseLoad.CallAsync(server, "CreateDeliveryStream", new { DeliveryStreamName = "endpoint", HttpEndpointDestinationConfiguration = Endpoint() }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using var table = await FirehoseLoad.CallAsync(server, "DescribeDeliveryStream", new { DeliveryStreamName = "table" });
        using var described = JsonDocument.Parse(await table.Content.ReadAsStringAsync());
        var destination = described.RootElement.GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("SqlTableDestinationDescription");
        Assert.Equal("warehouse", destination.GetProperty("Database").GetString());
        Assert.Equal("readings", destination.GetProperty("TableName").GetString());
        Assert.Equal("device", destination.GetProperty("Columns")[0].GetProperty("Column").GetString());
        Assert.Equal("arn:aws:s3:::failures", destination.GetProperty("S3DestinationDescription").GetProperty("BucketARN").GetString());

        using var endpoint = await FirehoseLoad.CallAsync(server, "DescribeDeliveryStream", new { DeliveryStreamName = "endpoint" });
        var text = await endpoint.Content.ReadAsStringAsync();
        Assert.Contains("http://127.0.0.1:9/ingest", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown", text, StringComparison.Ordinal);
        var admin = await server.Client.GetStringAsync("/v1/delivery-streams/endpoint");
        Assert.DoesNotContain("never-shown", admin, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown", server.Output, StringComparison.Ordinal);
    }
}
