using System.Net;
using System.Net.Mail;
using System.Text;

namespace Spillway.Notifications;

/// <summary>
/// An SMTP server's settings, shared by every section that sends mail (<c>Spillway:Alarms:Email</c>,
/// <c>Spillway:Exports:Smtp</c>).
/// </summary>
internal class SmtpConfig
{
    /// <summary>SMTP host; null (the default) sends no mail.</summary>
    public string? Host { get; set; }

    /// <summary>Defaults to 25.</summary>
    public int Port { get; set; } = 25;

    /// <summary>STARTTLS. Defaults to false.</summary>
    public bool EnableSsl { get; set; }

    public string? UserName { get; set; }

    /// <summary>Never logged. Prefer <see cref="PasswordFile"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the SMTP password (a mounted secret).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Defaults to spillway@localhost.</summary>
    public string From { get; set; } = "spillway@localhost";

    /// <summary>Defaults to 10 s.</summary>
    public int TimeoutSeconds { get; set; } = 10;
}

/// <summary>Sends plain-text mail through the configured SMTP server.</summary>
internal sealed class SmtpMailer(SmtpConfig config, string? password)
{
    public async Task SendAsync(IEnumerable<string> to, string subject, string body, CancellationToken cancellationToken)
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

        var ascii = Ascii.IsValid(body);
        using var message = new MailMessage
        {
            From = new MailAddress(config.From),
            Subject = subject,
            Body = body.ReplaceLineEndings("\r\n"),
            // Plain 7-bit text stays readable as it travels (a mail log, a raw mailbox); anything else goes as base64.
            BodyEncoding = ascii ? Encoding.ASCII : Encoding.UTF8,
            BodyTransferEncoding = ascii ? System.Net.Mime.TransferEncoding.SevenBit : System.Net.Mime.TransferEncoding.Base64,
            SubjectEncoding = Encoding.UTF8,
        };
        foreach (var address in to)
        {
            message.To.Add(address);
        }

        await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
