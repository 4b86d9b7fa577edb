using System.Net;
using Spillway.Aws.Signing;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Sns.Tests;

public sealed class SubscribeUrlTests
{
    [Fact]
    public async Task With_credentials_configured_only_ConfirmSubscription_may_come_unsigned()
    {
        var directory = Directory.CreateTempSubdirectory("spillway-sns-signed-");
        var notifications = SnsNotifications.Open(Path.Combine(directory.FullName, "sns"), new Aws.AwsAccount(), () => new Uri("http://localhost/"));
        var engine = await QueueEngine.OpenAsync(new QueueEngineOptions
        {
            DataDirectory = Path.Combine(directory.FullName, "queues"), MinimumFreeDiskBytes = 0, NotificationRenderer = notifications.Renderer,
        });
        await engine.Topics.CreateAsync(new Messaging.Topics.TopicDefinition { Name = "guarded" });
        var host = await TestWebHost.StartAsync(app => app.MapSnsApi(engine, new SnsApiSettings
        {
            Notifications = notifications,
            Credentials = SigningCredentials.Create([KeyValuePair.Create("KEY", "secret")]),
        }));
        try
        {
            var topic = Uri.EscapeDataString(SnsTestServer.TopicArn("guarded"));
            using var confirm = await host.Client.GetAsync($"/?Action=ConfirmSubscription&TopicArn={topic}&Token=not-a-token");
            var text = await confirm.Content.ReadAsStringAsync();
            Assert.True(confirm.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains("<Code>InvalidParameter</Code>", text, StringComparison.Ordinal);

            using var list = await host.Client.GetAsync($"/?Action=ListSubscriptionsByTopic&TopicArn={topic}");
            Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
            Assert.Contains("MissingAuthenticationToken", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
            await engine.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }
}
