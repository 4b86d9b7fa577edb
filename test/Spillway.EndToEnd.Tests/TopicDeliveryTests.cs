using System.Net;
using System.Text.Json;
using MimeKit;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// Topic deliveries a real server makes through what its host configures: e-mail through the SMTP server of
/// <c>Spillway:Alarms:Email</c>, <c>lambda</c> subscriptions to a configured worker's HTTP function, and <c>firehose</c>
/// subscriptions into a delivery stream's files.
/// </summary>
public sealed class TopicDeliveryTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-topic-delivery-");

    [Fact]
    public async Task Email_and_email_json_subscriptions_confirm_through_the_mailed_link_then_receive_the_message_and_the_envelope()
    {
        var (smtpHost, smtpPort, maildir) = Maildir.Server();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Alarms__Email__Host"] = smtpHost,
            ["Spillway__Alarms__Email__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Spillway__Alarms__Email__From"] = "spillway@example.com",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
        var topic = SnsQuery.Value(await SnsQuery.CallAsync(server, "CreateTopic", ("Name", "ops")), "TopicArn");
        var person = $"oncall-{tag}@example.com";
        var machine = $"robot-{tag}@example.com";
        Assert.Equal("pending confirmation", SnsQuery.Value(await SnsQuery.CallAsync(server, "Subscribe", ("TopicArn", topic), ("Protocol", "email"), ("Endpoint", person)), "SubscriptionArn"));
        Assert.Equal("pending confirmation", SnsQuery.Value(await SnsQuery.CallAsync(server, "Subscribe", ("TopicArn", topic), ("Protocol", "email-json"), ("Endpoint", machine)), "SubscriptionArn"));

        var personConfirmation = await MailAsync(maildir, $"X-RcptTo: {person}", "Subject: Spillway Notification - Subscription Confirmation");
        var link = personConfirmation.TextBody!.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("http://", StringComparison.Ordinal));
        Assert.Contains("Action=ConfirmSubscription", link, StringComparison.Ordinal);
        using (var confirmed = await new HttpClient().GetAsync(new Uri(link)))
        {
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        }

        var machineConfirmation = await MailAsync(maildir, $"X-RcptTo: {machine}", "Subject: Spillway Notification - Subscription Confirmation");
        var envelope = JsonDocument.Parse(machineConfirmation.TextBody!).RootElement;
        Assert.Equal("SubscriptionConfirmation", envelope.GetProperty("Type").GetString());
        using (var confirmed = await new HttpClient().GetAsync(new Uri(envelope.GetProperty("SubscribeURL").GetString()!)))
        {
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        }

        await SnsQuery.CallAsync(server, "Publish", ("TopicArn", topic), ("Message", $"disk at 95% ({tag})"), ("Subject", $"Disk full {tag}"));
        var mail = await MailAsync(maildir, $"X-RcptTo: {person}", $"Subject: Disk full {tag}");
        Assert.StartsWith($"disk at 95% ({tag})", mail.TextBody!, StringComparison.Ordinal);
        Assert.Contains("/sns/unsubscribe?SubscriptionArn=", mail.TextBody!, StringComparison.Ordinal);
        var json = await MailAsync(maildir, $"X-RcptTo: {machine}", $"Subject: Disk full {tag}");
        var notification = JsonDocument.Parse(json.TextBody!).RootElement;
        Assert.Equal("Notification", notification.GetProperty("Type").GetString());
        Assert.Equal($"disk at 95% ({tag})", notification.GetProperty("Message").GetString());
        Assert.Equal(topic, notification.GetProperty("TopicArn").GetString());

        // Without a subject, the mail has the default one.
        await SnsQuery.CallAsync(server, "Publish", ("TopicArn", topic), ("Message", $"no subject {tag}"));
        var plain = await MailAsync(maildir, $"X-RcptTo: {person}", $"no subject {tag}");
        Assert.Equal("Spillway Notification Message", plain.Subject);
    }

    [Fact]
    public async Task A_lambda_subscription_invokes_the_worker_of_that_name_with_the_SNS_event()
    {
        await using var function = await WebhookReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Queues__auditorjobs__VisibilityTimeoutSeconds"] = "30",
            ["Spillway__Workers__auditor__Queue"] = "auditorjobs",
            ["Spillway__Workers__auditor__Handler__Kind"] = "http",
            ["Spillway__Workers__auditor__Handler__Url"] = function.Url.ToString(),
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
        var topic = SnsQuery.Value(await SnsQuery.CallAsync(server, "CreateTopic", ("Name", "audit")), "TopicArn");
        var subscriptionArn = SnsQuery.Value(
            await SnsQuery.CallAsync(server, "Subscribe", ("TopicArn", topic), ("Protocol", "lambda"), ("Endpoint", "arn:aws:lambda:us-east-1:000000000000:function:auditor")),
            "SubscriptionArn");
        Assert.StartsWith(topic + ":", subscriptionArn, StringComparison.Ordinal);

        await SnsQuery.CallAsync(
            server, "Publish", ("TopicArn", topic), ("Message", "user 7 deleted"), ("Subject", "audit"),
            ("MessageAttributes.entry.1.Name", "actor"), ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", "admin"));
        var snsEvent = await function.NextAsync(TimeSpan.FromSeconds(30));
        var record = snsEvent.GetProperty("Records").EnumerateArray().Single();
        Assert.Equal("aws:sns", record.GetProperty("EventSource").GetString());
        Assert.Equal(subscriptionArn, record.GetProperty("EventSubscriptionArn").GetString());
        var sns = record.GetProperty("Sns");
        Assert.Equal("user 7 deleted", sns.GetProperty("Message").GetString());
        Assert.Equal("audit", sns.GetProperty("Subject").GetString());
        Assert.Equal(topic, sns.GetProperty("TopicArn").GetString());
        Assert.Equal("admin", sns.GetProperty("MessageAttributes").GetProperty("actor").GetProperty("Value").GetString());
    }

    [Fact]
    public async Task A_firehose_subscription_puts_each_message_into_the_delivery_streams_next_file()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: SpillwayProcess.AnySignature());
        using (var created = await FirehoseAsync(server, "CreateDeliveryStream", new
        {
            DeliveryStreamName = "audit-files",
            ExtendedS3DestinationConfiguration = new
            {
                RoleARN = "arn:aws:iam::000000000000:role/f",
                BucketARN = "arn:aws:s3:::lake",
                ProcessingConfiguration = new { Enabled = true, Processors = new[] { new { Type = "AppendDelimiterToRecord" } } },
            },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var topic = SnsQuery.Value(await SnsQuery.CallAsync(server, "CreateTopic", ("Name", "audit")), "TopicArn");
        var stream = "arn:aws:firehose:us-east-1:000000000000:deliverystream/audit-files";
        using (var refused = await SnsQuery.SendAsync(server, "Subscribe", ("TopicArn", topic), ("Protocol", "firehose"), ("Endpoint", stream)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("SubscriptionRoleArn", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await SnsQuery.CallAsync(
            server, "Subscribe", ("TopicArn", topic), ("Protocol", "firehose"), ("Endpoint", stream),
            ("Attributes.entry.1.key", "SubscriptionRoleArn"), ("Attributes.entry.1.value", "arn:aws:iam::000000000000:role/sns"),
            ("Attributes.entry.2.key", "RawMessageDelivery"), ("Attributes.entry.2.value", "true"));
        await SnsQuery.CallAsync(server, "Publish", ("TopicArn", topic), ("Message", "{\"user\":7}"));
        await SnsQuery.CallAsync(server, "Publish", ("TopicArn", topic), ("Message", "{\"user\":8}"));

        // The topic's delivery worker puts each message after the publish is answered; the stream counts what it took.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (JsonDocument.Parse(await server.Client.GetStringAsync("/v1/delivery-streams/audit-files", deadline.Token))
            .RootElement.GetProperty("incomingRecords").GetInt64() < 2)
        {
            await Task.Delay(20, deadline.Token);
        }

        using var flushed = await server.Client.PostAsync("/v1/delivery-streams/audit-files/flush", null);
        var key = JsonDocument.Parse(await flushed.Content.ReadAsStringAsync()).RootElement.GetProperty("files").EnumerateArray().Single().GetString()!;
        using var read = new HttpRequestMessage(HttpMethod.Get, "/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString)));
        read.Headers.Host = $"lake.localhost:{server.BaseAddress.Port}";
        using var file = await server.Client.SendAsync(read);
        Assert.Equal("{\"user\":7}\n{\"user\":8}\n", await file.Content.ReadAsStringAsync());
    }

    public void Dispose() => work.Delete(recursive: true);

    private static Task<HttpResponseMessage> FirehoseAsync(SpillwayProcess server, string action, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Add("X-Amz-Target", "Firehose_20150804." + action);
        return server.Client.SendAsync(request);
    }


    /// <summary>The delivered mail holding every needle, parsed (its body decoded from quoted-printable or base64).</summary>
    private static async Task<MimeMessage> MailAsync(string maildir, params string[] needles)
    {
        var text = await Maildir.WaitForAsync(maildir, TimeSpan.FromSeconds(30), needles);
        return await MimeMessage.LoadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}
