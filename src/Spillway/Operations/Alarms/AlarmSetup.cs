using System.Diagnostics.Metrics;
using Spillway.Hosting;
using Spillway.Operations.Internal;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Operations.Alarms;

/// <summary>The alarms after validation: rules, notifiers' settings and the SMTP password read from its file.</summary>
internal sealed record ResolvedAlarms(
    IReadOnlyList<AlarmRule> Rules, AlarmOptions Options, Uri? Webhook, string? EmailPassword)
{
    /// <summary>The account and region the CloudWatch-shaped notices name (the SQS API's).</summary>
    public Aws.AwsAccount Account { get; init; } = new();

    private const string Key = $"{SpillwayOptions.SectionName}:Alarms";

    public static ResolvedAlarms Resolve(
        AlarmOptions options,
        IReadOnlySet<string> queues,
        IReadOnlySet<string> sinks,
        IReadOnlySet<string> streamWorkers,
        IReadOnlySet<string> topics)
    {
        ConfigurationResolver.Range(Key + ":EvaluationIntervalSeconds", options.EvaluationIntervalSeconds, 1, 3600);
        ConfigurationResolver.Range(Key + ":CooldownSeconds", options.CooldownSeconds, 0, 86_400);
        var rules = new List<AlarmRule>();
        foreach (var (name, rule) in options.Rules.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var key = $"{Key}:Rules:{name}";
            if (!Enum.TryParse<AlarmKind>(rule.Kind, ignoreCase: true, out var kind) || int.TryParse(rule.Kind, out _))
            {
                throw new ConfigurationException(
                    key + ":Kind", $"must be OldestMessageAge, QueueNotEmpty, SinkFailing or IteratorAge (got '{rule.Kind}')");
            }

            if (kind == AlarmKind.SinkFailing)
            {
                if (rule.Sink is null || !sinks.Contains(rule.Sink))
                {
                    throw new ConfigurationException(
                        key + ":Sink", $"sink '{rule.Sink}' is not defined under {SpillwayOptions.SectionName}:Sinks");
                }

                rules.Add(new AlarmRule(name, kind, rule.Sink, 1));
                continue;
            }

            if (kind == AlarmKind.IteratorAge)
            {
                if (rule.Worker is null || !streamWorkers.Contains(rule.Worker))
                {
                    throw new ConfigurationException(
                        key + ":Worker", $"'{rule.Worker}' is not a stream worker under {SpillwayOptions.SectionName}:Workers");
                }

                ConfigurationResolver.Range(key + ":ThresholdSeconds", rule.ThresholdSeconds, 1, 1_209_600);
                rules.Add(new AlarmRule(name, kind, rule.Worker, rule.ThresholdSeconds));
                continue;
            }

            if (rule.Queue is null || !queues.Contains(rule.Queue))
            {
                throw new ConfigurationException(key + ":Queue", $"queue '{rule.Queue}' does not exist");
            }

            if (kind == AlarmKind.OldestMessageAge)
            {
                ConfigurationResolver.Range(key + ":ThresholdSeconds", rule.ThresholdSeconds, 1, 1_209_600);
                rules.Add(new AlarmRule(name, kind, rule.Queue, rule.ThresholdSeconds));
            }
            else
            {
                ConfigurationResolver.Range(key + ":Threshold", rule.Threshold, 0, long.MaxValue);
                rules.Add(new AlarmRule(name, kind, rule.Queue, rule.Threshold));
            }
        }

        Uri? webhook = null;
        if (!string.IsNullOrWhiteSpace(options.Webhook.Url))
        {
            if (!Uri.TryCreate(options.Webhook.Url, UriKind.Absolute, out webhook) || webhook.Scheme is not ("http" or "https"))
            {
                // The URL may carry a token in its query: name the key, not the value.
                throw new ConfigurationException(Key + ":Webhook:Url", "must be an absolute http(s) URL");
            }

            ConfigurationResolver.Range(Key + ":Webhook:TimeoutSeconds", options.Webhook.TimeoutSeconds, 1, 300);
        }

        string? password = null;
        var email = options.Email;
        if (!string.IsNullOrWhiteSpace(email.Host))
        {
            ConfigurationResolver.Range(Key + ":Email:Port", email.Port, 1, 65_535);
            ConfigurationResolver.Range(Key + ":Email:TimeoutSeconds", email.TimeoutSeconds, 1, 300);
            // The server also mails e-mail subscriptions of topics through it, which need no alarm recipients.
            if (email.To.Count == 0 && rules.Count > 0)
            {
                throw new ConfigurationException(Key + ":Email:To", "needs at least one address when Email:Host is set and rules are configured");
            }

            foreach (var address in email.To.Append(email.From))
            {
                if (!System.Net.Mail.MailAddress.TryCreate(address, out _))
                {
                    throw new ConfigurationException(Key + ":Email", $"'{address}' is not an e-mail address");
                }
            }

            password = email.Password;
            if (string.IsNullOrEmpty(password) && email.PasswordFile is { } file)
            {
                password = ConfigurationResolver.ReadSecretFile(Key + ":Email:PasswordFile", file).FirstOrDefault();
            }
        }

        if (options.Topic is { } topic && !topics.Contains(topic))
        {
            throw new ConfigurationException(Key + ":Topic", $"topic '{topic}' is not defined under {SpillwayOptions.SectionName}:Topics");
        }

        if (rules.Count > 0 && webhook is null && string.IsNullOrWhiteSpace(email.Host) && options.Topic is null)
        {
            throw new ConfigurationException(Key, "rules are configured but no Webhook:Url, Email:Host or Topic to notify");
        }

        return new ResolvedAlarms(rules, options, webhook, password);
    }

    /// <summary>
    /// Builds the monitor over the server's queues and sinks, its rules' states on the meter
    /// <c>Spillway.Operations</c>; null when no rule is configured.
    /// </summary>
    public AlarmMonitor? CreateMonitor(
        IMessageTransport transport,
        IReadOnlyDictionary<string, Processing.Worker> workers,
        IReadOnlyDictionary<string, ISqlSink> sinks,
        SinkMetrics sinkMetrics,
        TimeProvider time,
        IMeterFactory meterFactory,
        ILogger logger)
    {
        if (Rules.Count == 0)
        {
            return null;
        }

        if (!transport.ReportsMessageAge && Rules.FirstOrDefault(r => r.Kind == AlarmKind.OldestMessageAge) is { } aged)
        {
            throw new ConfigurationException(
                $"{Key}:Rules:{aged.Name}:Kind",
                $"OldestMessageAge needs the queue's oldest message age, which the {transport.Kind} transport does not report");
        }

        var notifiers = new List<IAlarmNotifier>();
        if (Webhook is not null)
        {
            notifiers.Add(new WebhookNotifier(Webhook, TimeSpan.FromSeconds(Options.Webhook.TimeoutSeconds)));
        }

        if (!string.IsNullOrWhiteSpace(Options.Email.Host))
        {
            notifiers.Add(new EmailNotifier(Options.Email, EmailPassword));
        }

        if (Options.Topic is { } topic)
        {
            var topics = transport.Topics ?? throw new ConfigurationException(Key + ":Topic", $"the {transport.Kind} transport has no topics");
            notifiers.Add(new TopicNotifier(topics, topic, Account, TimeSpan.FromSeconds(Options.EvaluationIntervalSeconds)));
        }

        var subjects = new AlarmSubjects(transport.Admin, sinks, sinkMetrics, workers);
        var monitor = new AlarmMonitor(
            Rules,
            subjects.EvaluateAsync,
            notifiers,
            TimeSpan.FromSeconds(Options.EvaluationIntervalSeconds),
            TimeSpan.FromSeconds(Options.CooldownSeconds),
            time,
            logger);
        meterFactory.Create(MeterName).CreateObservableGauge(
            "spillway.alarm.firing",
            () => monitor.States.Select(s => new Measurement<int>(
                s.Value == AlarmState.ALARM ? 1 : 0, new KeyValuePair<string, object?>("alarm", s.Key))),
            "{alarm}",
            "1 while the alarm rule is in ALARM.");
        return monitor;
    }

    /// <summary>The meter of the host's own instruments.</summary>
    public const string MeterName = "Spillway.Operations";
}

/// <summary>What the alarm rules read: the queues' counts through the transport, the sinks' failures and answers, and
/// the stream workers' iterator age.</summary>
internal sealed class AlarmSubjects(
    IQueueAdmin queues, IReadOnlyDictionary<string, ISqlSink> sinks, SinkMetrics sinkMetrics, IReadOnlyDictionary<string, Processing.Worker> workers)
{
    /// <summary>Reads one rule's figure.</summary>
    public async Task<AlarmReading> EvaluateAsync(AlarmRule rule, CancellationToken cancellationToken)
    {
        switch (rule.Kind)
        {
            case AlarmKind.OldestMessageAge:
            {
                var queue = await queues.DescribeQueueAsync(rule.Subject, cancellationToken).ConfigureAwait(false);
                var age = queue.OldestMessageAge?.TotalSeconds ?? 0;
                var reason = $"oldest message in '{rule.Subject}' is {age:0} s old (threshold {rule.Threshold} s)";
                return new AlarmReading(age > rule.Threshold, Math.Round(age, 1), reason);
            }

            case AlarmKind.IteratorAge:
            {
                var age = workers.TryGetValue(rule.Subject, out var worker) ? worker.Consumer?.IteratorAge.TotalSeconds ?? 0 : 0;
                var reason = $"stream worker '{rule.Subject}' handled a record {age:0} s old (threshold {rule.Threshold} s)";
                return new AlarmReading(age > rule.Threshold, Math.Round(age, 1), reason);
            }

            case AlarmKind.QueueNotEmpty:
            {
                var depth = (await queues.DescribeQueueAsync(rule.Subject, cancellationToken).ConfigureAwait(false)).Depth;
                return new AlarmReading(
                    depth > rule.Threshold, depth, $"queue '{rule.Subject}' holds {depth} messages (threshold {rule.Threshold})");
            }

            default:
            {
                var failures = sinkMetrics.ConsecutiveFailures(rule.Subject);
                if (failures > 0)
                {
                    return new AlarmReading(true, failures, $"sink '{rule.Subject}': {failures} writes failed in a row");
                }

                var (healthy, detail) = await new SinkProbe(sinkMetrics).CheckAsync(sinks[rule.Subject], cancellationToken).ConfigureAwait(false);
                return new AlarmReading(
                    !healthy, healthy ? 0 : 1, healthy ? $"sink '{rule.Subject}' answers" : $"sink '{rule.Subject}': {detail}");
            }
        }
    }
}
