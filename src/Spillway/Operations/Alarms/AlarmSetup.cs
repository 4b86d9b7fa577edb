using Spillway.Hosting;
using Spillway.Messaging;
using Spillway.Operations.Internal;

namespace Spillway.Operations.Alarms;

/// <summary>The alarms after validation: rules, notifiers' settings and the SMTP password read from its file.</summary>
internal sealed record ResolvedAlarms(
    IReadOnlyList<AlarmRule> Rules, AlarmOptions Options, Uri? Webhook, string? EmailPassword)
{
    private const string Key = $"{SpillwayOptions.SectionName}:Alarms";

    public static ResolvedAlarms Resolve(AlarmOptions options, IReadOnlySet<string> queues, IReadOnlySet<string> sinks)
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
                    key + ":Kind", $"must be OldestMessageAge, QueueNotEmpty or SinkFailing (got '{rule.Kind}')");
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
            if (email.To.Count == 0)
            {
                throw new ConfigurationException(Key + ":Email:To", "needs at least one address when Email:Host is set");
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

        if (rules.Count > 0 && webhook is null && string.IsNullOrWhiteSpace(email.Host))
        {
            throw new ConfigurationException(Key, "rules are configured but no Webhook:Url or Email:Host to notify");
        }

        return new ResolvedAlarms(rules, options, webhook, password);
    }

    /// <summary>Builds the monitor over a running server; null when no rule is configured.</summary>
    public AlarmMonitor? CreateMonitor(SpillwayRuntime runtime, ILogger logger)
    {
        if (Rules.Count == 0)
        {
            return null;
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

        return new AlarmMonitor(
            Rules,
            (rule, ct) => EvaluateAsync(runtime, rule, ct),
            notifiers,
            TimeSpan.FromSeconds(Options.EvaluationIntervalSeconds),
            TimeSpan.FromSeconds(Options.CooldownSeconds),
            runtime.Time,
            logger);
    }

    /// <summary>Reads one rule's figure from the running server.</summary>
    public static async Task<AlarmReading> EvaluateAsync(SpillwayRuntime runtime, AlarmRule rule, CancellationToken cancellationToken)
    {
        switch (rule.Kind)
        {
            case AlarmKind.OldestMessageAge:
            {
                var counts = Queue(runtime, rule).GetCounts();
                var age = counts.OldestSentTimestamp is { } sent ? Math.Max(0, (runtime.Time.GetUtcNow() - sent).TotalSeconds) : 0;
                var reason = $"oldest message in '{rule.Subject}' is {age:0} s old (threshold {rule.Threshold} s)";
                return new AlarmReading(age > rule.Threshold, Math.Round(age, 1), reason);
            }

            case AlarmKind.QueueNotEmpty:
            {
                var counts = Queue(runtime, rule).GetCounts();
                var depth = counts.Visible + counts.InFlight + counts.Delayed;
                return new AlarmReading(
                    depth > rule.Threshold, depth, $"queue '{rule.Subject}' holds {depth} messages (threshold {rule.Threshold})");
            }

            default:
            {
                var sink = runtime.Sinks[rule.Subject];
                var failures = (sink as InstrumentedSqlSink)?.ConsecutiveFailures ?? 0;
                if (failures > 0)
                {
                    return new AlarmReading(true, failures, $"sink '{rule.Subject}': {failures} writes failed in a row");
                }

                var (healthy, detail) = await SinkProbe.CheckAsync(sink, cancellationToken).ConfigureAwait(false);
                return new AlarmReading(
                    !healthy, healthy ? 0 : 1, healthy ? $"sink '{rule.Subject}' answers" : $"sink '{rule.Subject}': {detail}");
            }
        }
    }

    private static MessageQueue Queue(SpillwayRuntime runtime, AlarmRule rule) =>
        runtime.Engine.TryGetQueue(rule.Subject, out var queue)
            ? queue
            : throw new InvalidOperationException($"queue '{rule.Subject}' no longer exists");
}
