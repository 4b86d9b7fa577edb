using System.Net;
using System.Text.Json;

namespace Spillway.Sns.Tests;

public sealed class NotificationEndpointTests
{
    [Fact]
    public async Task UnsubscribeURL_removes_exactly_the_subscription_whose_envelope_carried_it()
    {
        var server = await SnsTestServer.StartAsync();
        try
        {
            var topic = await server.CreateTopicAsync("orders");
            var first = await server.SubscribeQueueAsync(topic, "one");
            var second = await server.SubscribeQueueAsync(topic, "two");
            (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "m"))).AssertOk();
            var body = (await server.DrainAsync("one")).Single().Body.ToArray();
            var unsubscribeUrl = new Uri(JsonDocument.Parse(body).RootElement.GetProperty("UnsubscribeURL").GetString()!);

            using var unsubscribed = await server.Client.GetAsync(unsubscribeUrl.PathAndQuery);
            Assert.Equal(HttpStatusCode.OK, unsubscribed.StatusCode);
            Assert.Contains("UnsubscribeResponse", await unsubscribed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", first))).AssertError(HttpStatusCode.NotFound, "NotFound");
            (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", second))).AssertOk();

            using var again = await server.Client.GetAsync(unsubscribeUrl.PathAndQuery);
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            using var garbage = await server.Client.GetAsync("/sns/unsubscribe?SubscriptionArn=" + Uri.EscapeDataString(topic));
            Assert.Equal(HttpStatusCode.NotFound, garbage.StatusCode);
        }
        finally
        {
            await server.DisposeAsync();
            server.Delete();
        }
    }

    [Fact]
    public async Task Signing_key_is_made_once_and_kept_across_restarts_readable_only_by_its_owner()
    {
        var server = await SnsTestServer.StartAsync();
        var directory = server.DataDirectory;
        var certificate = await server.Client.GetStringAsync("/sns/SigningCert.pem");
        await server.DisposeAsync();
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", certificate, StringComparison.Ordinal);

        var reopened = await SnsTestServer.StartAsync(directory);
        try
        {
            Assert.Equal(certificate, await reopened.Client.GetStringAsync("/sns/SigningCert.pem"));
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(Path.Combine(directory, "sns"));
                Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherExecute));
            }
        }
        finally
        {
            await reopened.DisposeAsync();
            reopened.Delete();
        }
    }
}
