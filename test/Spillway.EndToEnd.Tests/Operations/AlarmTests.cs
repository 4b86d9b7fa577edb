using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.EndToEnd.Tests.Support;
using Spillway.Operations.Alarms;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>Alarms fire and recover through a real SMTP server and a real webhook.</summary>
public sealed class AlarmTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task A_stale_backlog_alarm_fires_by_mail_and_webhook_and_recovers_once_the_worker_drains_it()
    {
        var (smtpHost, smtpPort, maildir) = Maildir.Server();
        var alarm = "stale-" + Guid.NewGuid().ToString("N")[..8];
        await using var webhook = await WebhookReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Alarms__EvaluationIntervalSeconds"] = "1",
            [$"Spillway__Alarms__Rules__{alarm}__Kind"] = "OldestMessageAge",
            [$"Spillway__Alarms__Rules__{alarm}__Queue"] = "submit",
            [$"Spillway__Alarms__Rules__{alarm}__ThresholdSeconds"] = "1",
            ["Spillway__Alarms__Webhook__Url"] = webhook.Url.ToString(),
            ["Spillway__Alarms__Email__Host"] = smtpHost,
            ["Spillway__Alarms__Email__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Spillway__Alarms__Email__From"] = "spillway@example.com",
            ["Spillway__Alarms__Email__To__0"] = "oncall@example.com",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
        await MetricsTests.WaitForWorkerAsync(server, enabled: true);
        await MetricsTests.SwitchWorkerAsync(server, enable: false);

        var (status, _) = await SeedPipelineTests.CurlAsync(server.Port, """{"name": "stuck", "email": "stuck@example.com"}""");
        Assert.Equal("202", status);

        var fired = await webhook.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(alarm, fired.GetProperty("alarm").GetString());
        Assert.Equal("ALARM", fired.GetProperty("state").GetString());
        Assert.Equal("OldestMessageAge", fired.GetProperty("kind").GetString());
        Assert.Equal("submit", fired.GetProperty("subject").GetString());
        Assert.True(fired.GetProperty("value").GetDouble() >= 1); // the age, rounded to 0.1 s, past its 1 s threshold
        var mail = await Maildir.WaitForAsync(maildir, TimeSpan.FromSeconds(30), $"Subject: [Spillway] ALARM: {alarm}");
        Assert.Contains("X-RcptTo: oncall@example.com", mail, StringComparison.Ordinal);
        Assert.Contains("oldest message in 'submit'", mail, StringComparison.Ordinal);
        var firing = await MetricsTests.ScrapeAsync(server);
        Assert.Equal(1, firing.Value("spillway_alarm_firing", ("alarm", alarm)));

        await MetricsTests.SwitchWorkerAsync(server, enable: true);

        var recovered = await webhook.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(alarm, recovered.GetProperty("alarm").GetString());
        Assert.Equal("OK", recovered.GetProperty("state").GetString());
        await Maildir.WaitForAsync(maildir, TimeSpan.FromSeconds(30), $"Subject: [Spillway] OK: {alarm} recovered");
        await MetricsTests.WaitForAsync(server, m => m.Value("spillway_alarm_firing", ("alarm", alarm)) == 0);
    }

    [Fact]
    public async Task An_iterator_age_alarm_fires_while_a_stream_worker_retries_an_old_record_and_recovers_once_it_keeps_up()
    {
        await using var function = await WebhookReceiver.StartAsync();
        await using var alarms = await WebhookReceiver.StartAsync();
        function.FailNext(int.MaxValue);
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Streams__readings__ShardCount"] = "1",
            ["Spillway__Workers__reader__Stream"] = "readings",
            ["Spillway__Workers__reader__StartingPosition"] = "TRIM_HORIZON",
            ["Spillway__Workers__reader__Handler__Kind"] = "http",
            ["Spillway__Workers__reader__Handler__Url"] = function.Url.ToString(),
            ["Spillway__Alarms__EvaluationIntervalSeconds"] = "1",
            ["Spillway__Alarms__Rules__behind__Kind"] = "IteratorAge",
            ["Spillway__Alarms__Rules__behind__Worker"] = "reader",
            ["Spillway__Alarms__Rules__behind__ThresholdSeconds"] = "1",
            ["Spillway__Alarms__Webhook__Url"] = alarms.Url.ToString(),
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);

        await PutAsync(server, "r1");
        var fired = await alarms.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("ALARM", fired.GetProperty("state").GetString());
        Assert.Equal("IteratorAge", fired.GetProperty("kind").GetString());
        Assert.Equal("reader", fired.GetProperty("subject").GetString());
        // The age, rounded to 0.1 s, past its 1 s threshold: an age of 1.03 s fires and is reported as 1.
        Assert.True(fired.GetProperty("value").GetDouble() >= 1, "the age reported is not past its 1 s threshold");

        function.FailNext(0);
        await PutAsync(server, "r2");
        var recovered = await alarms.NextAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("OK", recovered.GetProperty("state").GetString());
        Assert.Equal("behind", recovered.GetProperty("alarm").GetString());
    }

    [Fact]
    public async Task An_alarm_publishes_the_CloudWatch_alarm_message_to_a_topic_and_its_recovery_too()
    {
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Queues__jobs__VisibilityTimeoutSeconds"] = "30",
            ["Spillway__Queues__pager__VisibilityTimeoutSeconds"] = "30",
            ["Spillway__Topics__alarms__Subscriptions__pager__Queue"] = "pager",
            ["Spillway__Topics__alarms__Subscriptions__pager__RawMessageDelivery"] = "true",
            ["Spillway__Alarms__EvaluationIntervalSeconds"] = "1",
            ["Spillway__Alarms__CooldownSeconds"] = "0",
            ["Spillway__Alarms__Rules__backlog__Kind"] = "QueueNotEmpty",
            ["Spillway__Alarms__Rules__backlog__Queue"] = "jobs",
            ["Spillway__Alarms__Topic"] = "alarms",
            ["Spillway__Sqs__Region"] = "eu-west-1",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
        var queueUrl = $"{server.BaseAddress.ToString().TrimEnd('/')}/000000000000/jobs";
        using var sent = await server.Client.PostAsync("/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Action"] = "SendMessage", ["Version"] = "2012-11-05", ["QueueUrl"] = queueUrl, ["MessageBody"] = "job",
        }));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var fired = await NextPagerMessageAsync(server);
        Assert.Equal("backlog", fired.GetProperty("AlarmName").GetString());
        Assert.Equal("ALARM", fired.GetProperty("NewStateValue").GetString());
        Assert.Equal("OK", fired.GetProperty("OldStateValue").GetString());
        Assert.Equal("EU (Ireland)", fired.GetProperty("Region").GetString());
        Assert.Equal("arn:aws:cloudwatch:eu-west-1:000000000000:alarm:backlog", fired.GetProperty("AlarmArn").GetString());
        var trigger = fired.GetProperty("Trigger");
        Assert.Equal("ApproximateNumberOfMessagesVisible", trigger.GetProperty("MetricName").GetString());
        Assert.Equal("AWS/SQS", trigger.GetProperty("Namespace").GetString());
        Assert.Equal("jobs", trigger.GetProperty("Dimensions")[0].GetProperty("value").GetString());

        using var purged = await server.Client.PostAsync("/v1/queues/jobs/purge", null);
        Assert.True(purged.IsSuccessStatusCode);
        var recovered = await NextPagerMessageAsync(server);
        Assert.Equal("OK", recovered.GetProperty("NewStateValue").GetString());
        Assert.Equal("ALARM", recovered.GetProperty("OldStateValue").GetString());
    }

    /// <summary>Receives (and deletes) the next notice from the pager queue through the SQS API.</summary>
    private static async Task<JsonElement> NextPagerMessageAsync(SpillwayProcess server)
    {
        var queueUrl = $"{server.BaseAddress.ToString().TrimEnd('/')}/000000000000/pager";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await server.Client.PostAsync("/", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Action"] = "ReceiveMessage", ["Version"] = "2012-11-05", ["QueueUrl"] = queueUrl, ["WaitTimeSeconds"] = "5",
            }));
            var xml = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
            var message = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message");
            if (message is not null)
            {
                var handle = message.Elements().First(e => e.Name.LocalName == "ReceiptHandle").Value;
                using var deleted = await server.Client.PostAsync("/", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["Action"] = "DeleteMessage", ["Version"] = "2012-11-05", ["QueueUrl"] = queueUrl, ["ReceiptHandle"] = handle,
                }));
                Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
                return JsonDocument.Parse(message.Elements().First(e => e.Name.LocalName == "Body").Value).RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, "no alarm notice reached the pager queue");
        }
    }

    private static async Task PutAsync(SpillwayProcess server, string text)
    {
        using var response = await server.Client.PostAsJsonAsync("/v1/streams/readings/records", new { records = new[] { new { partitionKey = "device-1", text } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Cooldown_holds_back_a_second_alarm_and_an_undelivered_notice_is_sent_at_the_next_evaluation()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        using var notifier = new WebhookNotifier(webhook.Url, TimeSpan.FromSeconds(10));
        var time = new ManualTimeProvider();
        var firing = false;
        var rule = new AlarmRule("dlq", AlarmKind.QueueNotEmpty, "submit-dlq", 0);
        using var monitor = new AlarmMonitor(
            [rule],
            (_, _) => Task.FromResult(new AlarmReading(firing, firing ? 3 : 0, "test")),
            [notifier],
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMinutes(5),
            time,
            NullLogger.Instance);
        var timeout = TimeSpan.FromSeconds(10);

        firing = true;
        webhook.FailNext(1);
        await monitor.EvaluateAsync(CancellationToken.None);
        Assert.False(webhook.TryTake(out _)); // the webhook failed: nothing delivered, tried again next time
        await monitor.EvaluateAsync(CancellationToken.None);
        Assert.Equal("ALARM", (await webhook.NextAsync(timeout)).GetProperty("state").GetString());
        await monitor.EvaluateAsync(CancellationToken.None);
        Assert.False(webhook.TryTake(out _)); // still firing: no repeat

        firing = false;
        time.Advance(TimeSpan.FromSeconds(10));
        await monitor.EvaluateAsync(CancellationToken.None);
        Assert.Equal("OK", (await webhook.NextAsync(timeout)).GetProperty("state").GetString());

        firing = true; // flapping back within the cooldown
        time.Advance(TimeSpan.FromSeconds(10));
        await monitor.EvaluateAsync(CancellationToken.None);
        Assert.False(webhook.TryTake(out _));
        Assert.Equal(AlarmState.ALARM, monitor.States["dlq"]);

        time.Advance(TimeSpan.FromMinutes(5));
        await monitor.EvaluateAsync(CancellationToken.None);
        var again = await webhook.NextAsync(timeout);
        Assert.Equal("ALARM", again.GetProperty("state").GetString());
        Assert.Equal(3, again.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task A_rule_naming_an_unknown_queue_stops_start_up_naming_the_key()
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--data-dir", Path.Combine(work.FullName, "data"), "--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string>
            {
                ["Spillway__Alarms__Rules__x__Kind"] = "OldestMessageAge",
                ["Spillway__Alarms__Rules__x__Queue"] = "nope",
                ["Spillway__Alarms__Webhook__Url"] = "http://127.0.0.1:9/",
            });

        Assert.Equal(2, exitCode);
        Assert.Contains("Spillway:Alarms:Rules:x:Queue", output, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
