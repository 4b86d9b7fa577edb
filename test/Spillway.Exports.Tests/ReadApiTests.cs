using System.Net;
using System.Text.Json;
using Spillway.Gateway;
using Spillway.Gateway.Reads;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

public abstract class ReadApiTests(string provider) : IAsyncLifetime
{
    private UsersTable table = null!;
    private ExposedTable exposed = null!;

    public async Task InitializeAsync()
    {
        table = await UsersTable.CreateAsync(provider);
        exposed = new ExposedTable("users", table.CreateReader(), ["email", "created_at"]);
    }

    public async Task DisposeAsync()
    {
        await exposed.Reader.DisposeAsync();
        await table.DisposeAsync();
    }

    [Fact]
    public async Task Paging_through_10k_rows_returns_each_exactly_once_while_rows_keep_arriving()
    {
        var ids = await table.InsertAsync(10_000);
        await using var server = await StartAsync();
        var seen = new HashSet<Guid>();
        var added = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var page = await GetJsonAsync(server, "/v1/tables/users?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor));
            foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
            {
                Assert.True(seen.Add(item.GetProperty("id").GetGuid()), "a row came twice");
            }

            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            if (++pages <= 5)
            {
                // Rows written between pages (later ids) are found by later pages, never at the price of a repeat.
                added.AddRange(await table.InsertAsync(100, start: 100_000 + (pages * 100)));
            }
        }
        while (cursor is not null);

        Assert.Superset(ids.ToHashSet(), seen);
        Assert.Equal(ids.Count + added.Count, seen.Count);
    }

    [Fact]
    public async Task A_page_has_the_default_limit_and_the_last_page_no_cursor()
    {
        await table.InsertAsync(150);
        await using var server = await StartAsync();
        using var first = await GetJsonAsync(server, "/v1/tables/users");
        Assert.Equal(ReadApiEndpoints.DefaultLimit, first.RootElement.GetProperty("items").GetArrayLength());
        var cursor = first.RootElement.GetProperty("nextCursor").GetString();
        using var second = await GetJsonAsync(server, "/v1/tables/users?cursor=" + cursor);
        Assert.Equal(50, second.RootElement.GetProperty("items").GetArrayLength());
        Assert.False(second.RootElement.TryGetProperty("nextCursor", out _));
        var item = second.RootElement.GetProperty("items")[49];
        Assert.Equal("user149", item.GetProperty("name").GetString());
        Assert.Equal("user149@example.com", item.GetProperty("email").GetString());
        Assert.Equal(DateTimeKind.Utc, item.GetProperty("created_at").GetDateTime().ToUniversalTime().Kind);
    }

    [Fact]
    public async Task Equality_and_range_filters_select_the_matching_rows()
    {
        var start = DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await table.InsertAsync(100, createdAt: n => start.AddHours(n));
        await using var server = await StartAsync();

        using var one = await GetJsonAsync(server, "/v1/tables/users?email=user42@example.com");
        var item = Assert.Single(one.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("user42", item.GetProperty("name").GetString());

        using var range = await GetJsonAsync(
            server, "/v1/tables/users?created_at.gte=2026-03-01T10:00:00Z&created_at.lt=2026-03-01T20:00:00%2B00:00&limit=1000");
        var names = range.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(Enumerable.Range(10, 10).Select(n => $"user{n}"), names);
    }

    [Theory]
    [InlineData("name=user1", "name")]
    [InlineData("password=x", "password")]
    [InlineData("email.like=x", "email.like")]
    [InlineData("created_at.gte=yesterday", "created_at.gte")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=AAAA", "cursor")]
    [InlineData("cursor=" + "not*base64", "cursor")]
    [InlineData("email=a@example.com&email=b@example.com", "email")]
    public async Task A_bad_parameter_is_400_naming_it(string query, string parameter)
    {
        await table.InsertAsync(3);
        await using var server = await StartAsync();
        using var response = await server.Client.GetAsync("/v1/tables/users?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), problem.RootElement.ToString());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task Another_method_on_a_table_is_a_405_problem_naming_GET(string method)
    {
        await using var server = await StartAsync();

        using var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/v1/tables/users"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task A_cursor_of_other_filters_is_400()
    {
        await table.InsertAsync(5);
        await using var server = await StartAsync();
        using var page = await GetJsonAsync(server, "/v1/tables/users?limit=2");
        var cursor = page.RootElement.GetProperty("nextCursor").GetString();
        using var response = await server.Client.GetAsync("/v1/tables/users?email=user1@example.com&cursor=" + cursor);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var tampered = await server.Client.GetAsync("/v1/tables/users?cursor=" + cursor![..^2] + (cursor[^2] == 'A' ? "BA" : "AA"));
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
    }

    [Fact]
    public async Task An_unexposed_table_is_404()
    {
        await using var server = await StartAsync();
        using var response = await server.Client.GetAsync("/v1/tables/pg_user");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Only_the_exposed_columns_are_returned()
    {
        await table.InsertAsync(1);
        await using var reader = table.CreateReader(["email"]);
        var narrow = new ExposedTable("emails", reader, ["email"]);
        await using var server = await TestWebHost.StartAsync(app => app.MapReadApi(new Dictionary<string, ExposedTable> { ["emails"] = narrow }));
        using var page = await GetJsonAsync(server, "/v1/tables/emails");
        var item = Assert.Single(page.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(["id", "email"], item.EnumerateObject().Select(p => p.Name));
    }

    private Task<TestWebHost> StartAsync(GatewayOptions? options = null) =>
        TestWebHost.StartAsync(app => app.MapReadApi(new Dictionary<string, ExposedTable> { ["users"] = exposed }, options));

    private static async Task<JsonDocument> GetJsonAsync(TestWebHost server, string path)
    {
        using var response = await server.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }
}

public sealed class SqliteReadApiTests() : ReadApiTests("sqlite");

public sealed class PostgreSqlReadApiTests() : ReadApiTests("postgresql");

public sealed class MariaDbReadApiTests() : ReadApiTests("mysql");
