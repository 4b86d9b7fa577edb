namespace Spillway.Operations.Alarms;

/// <summary>The <c>Spillway:Alarms</c> section: rules over the metrics and where their notices go.</summary>
internal sealed class AlarmOptions
{
    /// <summary>How often every rule is evaluated. Defaults to 10 s (1–3,600).</summary>
    public int EvaluationIntervalSeconds { get; set; } = 10;

    /// <summary>
    /// Least time between two ALARM notices of one rule, so a flapping condition does not flood the on-call.
    /// A recovery notice always follows an alarm that was sent. Defaults to 300 s (0–86,400).
    /// </summary>
    public int CooldownSeconds { get; set; } = 300;

    /// <summary>Rules by name.</summary>
    public Dictionary<string, AlarmRuleConfig> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A URL that receives each notice as a JSON POST; null for none.</summary>
    public WebhookConfig Webhook { get; set; } = new();

    /// <summary>An SMTP server that mails each notice; no host for none.</summary>
    public EmailConfig Email { get; set; } = new();

    /// <summary>A topic (under Spillway:Topics) that each notice is published to, in the CloudWatch alarm message shape;
    /// null for none.</summary>
    public string? Topic { get; set; }
}

internal sealed class AlarmRuleConfig
{
    /// <summary>"OldestMessageAge" (Queue, ThresholdSeconds), "QueueNotEmpty" (Queue, Threshold), "SinkFailing" (Sink) or
    /// "IteratorAge" (Worker, a stream worker; ThresholdSeconds).</summary>
    public string? Kind { get; set; }

    public string? Queue { get; set; }

    /// <summary>IteratorAge: the stream worker whose iterator age is watched.</summary>
    public string? Worker { get; set; }

    public string? Sink { get; set; }

    /// <summary>OldestMessageAge: fires when the oldest message is older than this; IteratorAge: when the last record a
    /// stream worker handled is older than this. Defaults to 60 s.</summary>
    public int ThresholdSeconds { get; set; } = 60;

    /// <summary>QueueNotEmpty: fires when the queue holds more messages than this. Defaults to 0 (any message).</summary>
    public long Threshold { get; set; }
}

internal sealed class WebhookConfig
{
    /// <summary>http(s) URL; null (the default) sends nothing.</summary>
    public string? Url { get; set; }

    /// <summary>Defaults to 10 s.</summary>
    public int TimeoutSeconds { get; set; } = 10;
}

/// <summary>The alarms' SMTP server and recipients.</summary>
internal sealed class EmailConfig : Notifications.SmtpConfig
{
    public List<string> To { get; set; } = [];
}
