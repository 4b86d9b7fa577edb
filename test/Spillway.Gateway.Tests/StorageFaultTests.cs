using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Storage;
using Spillway.Transport;

namespace Spillway.Gateway.Tests;

/// <summary>Storage faults injected behind a real Kestrel: the answer is 503 with Retry-After, never 2xx or 500.</summary>
public sealed class StorageFaultTests
{
    private const string Record = """{"name":"a","email":"a@example.com"}""";

    private static async Task<(HttpStatusCode Status, TimeSpan? RetryAfter, string Detail)> PostAsync(FaultyTransport target)
    {
        await using var server = await GatewayServer.StartAsync(target);
        using var response = await server.Client.PostAsync("/submit", new StringContent(Record, Encoding.UTF8, "application/json"));
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        return (response.StatusCode, response.Headers.RetryAfter?.Delta, detail);
    }

    [Fact]
    public async Task Disk_nearly_full_on_send_is_503_with_retry_after()
    {
        var (status, retryAfter, detail) = await PostAsync(new FaultyTransport { Send = () => throw new StorageFullException("disk full") });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
        Assert.Contains("disk", detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Faulted_storage_on_send_is_503()
    {
        var (status, retryAfter, detail) = await PostAsync(new FaultyTransport { Send = () => throw new StorageFaultedException("fsync failed") });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.NotNull(retryAfter);
        Assert.Contains("not acknowledged", detail, StringComparison.Ordinal);
        Assert.Contains("Idempotency-Key", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_that_is_not_writable_is_503_and_nothing_is_sent()
    {
        var target = new FaultyTransport
        {
            Status = new TransportStatus(false, "disk nearly full"),
            Send = () => throw new InvalidOperationException(),
        };
        var (status, _, detail) = await PostAsync(target);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("disk nearly full", detail, StringComparison.Ordinal);
        Assert.Equal(0, target.Sends);
    }

    [Fact]
    public async Task Unexpected_failure_is_503_never_500()
    {
        var (status, retryAfter, _) = await PostAsync(new FaultyTransport { Send = () => throw new InvalidOperationException("bug") });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.NotNull(retryAfter);
    }
}
