using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Operations.Alarms;

/// <summary>POSTs each notice as JSON to a URL (a chat hook, a pager's events API, a small relay).</summary>
internal sealed class WebhookNotifier(Uri url, TimeSpan timeout) : IAlarmNotifier, IDisposable
{
    private readonly HttpClient client = new() { Timeout = timeout };

    public string Name => "webhook";

    public async Task NotifyAsync(AlarmNotification notification, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync(
            url, WebhookPayload.From(notification), AlarmJsonContext.Default.WebhookPayload, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode}", null, response.StatusCode);
        }
    }

    public void Dispose() => client.Dispose();
}

/// <summary>Mails each notice through an SMTP server.</summary>
internal sealed class EmailNotifier(EmailConfig config, string? password) : IAlarmNotifier
{
    public string Name => "email";

    private readonly Notifications.SmtpMailer mailer = new(config, password);

    public Task NotifyAsync(AlarmNotification notification, CancellationToken cancellationToken) =>
        mailer.SendAsync(config.To, Subject(notification), Body(notification), cancellationToken);

    internal static string Subject(AlarmNotification n) =>
        n.State == AlarmState.ALARM ? $"[Spillway] ALARM: {n.Alarm}" : $"[Spillway] OK: {n.Alarm} recovered";

    internal static string Body(AlarmNotification n) => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        Alarm:     {n.Alarm}
        State:     {n.State}
        Rule:      {n.Kind} on {n.Subject} (threshold {n.Threshold})
        Value:     {n.Value}
        Reason:    {n.Reason}
        At:        {n.At:O}

        """).ReplaceLineEndings("\r\n");
}

/// <summary>The webhook's JSON body.</summary>
internal sealed record WebhookPayload(
    string Alarm, string State, string Kind, string Subject, double Value, double Threshold, string Reason, DateTimeOffset At)
{
    public static WebhookPayload From(AlarmNotification n) =>
        new(n.Alarm, n.State.ToString(), n.Kind, n.Subject, n.Value, n.Threshold, n.Reason, n.At);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebhookPayload))]
internal sealed partial class AlarmJsonContext : JsonSerializerContext;
