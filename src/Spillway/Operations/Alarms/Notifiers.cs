using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Mail;
using System.Text;
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

    public async Task NotifyAsync(AlarmNotification notification, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient(config.Host, config.Port)
        {
            EnableSsl = config.EnableSsl,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            Timeout = config.TimeoutSeconds * 1000,
        };
        if (!string.IsNullOrEmpty(config.UserName))
        {
            client.Credentials = new NetworkCredential(config.UserName, password);
        }

        var body = Body(notification);
        var ascii = Ascii.IsValid(body);
        using var message = new MailMessage
        {
            From = new MailAddress(config.From),
            Subject = Subject(notification),
            Body = body,
            // Plain 7-bit text stays readable as it travels (a mail log, a raw mailbox); anything else goes as base64.
            BodyEncoding = ascii ? Encoding.ASCII : Encoding.UTF8,
            BodyTransferEncoding = ascii ? System.Net.Mime.TransferEncoding.SevenBit : System.Net.Mime.TransferEncoding.Base64,
            SubjectEncoding = Encoding.UTF8,
        };
        foreach (var to in config.To)
        {
            message.To.Add(to);
        }

        await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
    }

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
