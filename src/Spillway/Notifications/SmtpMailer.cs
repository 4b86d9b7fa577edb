using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

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

    /// <summary>
    /// Require STARTTLS before credentials or mail are sent; a server that does not offer it is refused rather than
    /// spoken to in clear. Defaults to false: plain SMTP, for a relay on the same host or network.
    /// </summary>
    public bool EnableSsl { get; set; }

    /// <summary>Authenticates as this user when set; without it no AUTH is attempted.</summary>
    public string? UserName { get; set; }

    /// <summary>Never logged. Prefer <see cref="PasswordFile"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the SMTP password (a mounted secret).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Defaults to spillway@localhost.</summary>
    public string From { get; set; } = "spillway@localhost";

    /// <summary>Most time one mail may take, from connecting to the server's final answer. Defaults to 10 s.</summary>
    public int TimeoutSeconds { get; set; } = 10;
}

/// <summary>A mail was not delivered to the SMTP server; the message says where and why, never the password.</summary>
internal sealed class MailDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Sends plain-text mail through the configured SMTP server with MailKit, one connection per mail: notices are rare,
/// and a fresh connection cannot go stale between them.
/// </summary>
internal sealed class SmtpMailer(SmtpConfig config, string? password, TimeProvider? timeProvider = null)
{
    private readonly string host = !string.IsNullOrWhiteSpace(config.Host)
        ? config.Host
        : throw new ArgumentException("Host is required to send mail.", nameof(config));

    private string Server => $"{host}:{config.Port}";

    /// <summary>
    /// Sends one mail to every address of <paramref name="to"/>. Throws <see cref="MailDeliveryException"/> when the
    /// server cannot be reached, refuses the credentials, the sender or a recipient, or does not finish within
    /// <see cref="SmtpConfig.TimeoutSeconds"/>.
    /// </summary>
    public async Task SendAsync(IEnumerable<string> to, string subject, string body, CancellationToken cancellationToken)
    {
        using var message = Compose(to, subject, body);
        var timeout = TimeSpan.FromSeconds(config.TimeoutSeconds);
        using var deadline = new CancellationTokenSource(timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var client = new SmtpClient
        {
            // Each read and write, as well as the whole mail (the deadline above), is bounded by the timeout.
            Timeout = (int)timeout.TotalMilliseconds,

            // As System.Net.Mail did: an internal relay's CA often publishes no revocation list the server can reach.
            CheckCertificateRevocation = false,
        };
        var step = "connecting";
        try
        {
            var security = config.EnableSsl ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
            await client.ConnectAsync(host, config.Port, security, linked.Token).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(config.UserName))
            {
                step = "authenticating";
                await client.AuthenticateAsync(config.UserName, password ?? string.Empty, linked.Token).ConfigureAwait(false);
            }

            step = "sending";
            await client.SendAsync(message, linked.Token).ConfigureAwait(false);
            step = "disconnecting";
            await client.DisconnectAsync(quit: true, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MailDeliveryException(
                $"The SMTP server {Server} did not answer within {config.TimeoutSeconds} s while {step}.", new TimeoutException(e.Message, e));
        }
        catch (Exception e) when (Describe(e, step) is { } reason)
        {
            throw new MailDeliveryException(reason, e);
        }
    }

    private MimeMessage Compose(IEnumerable<string> to, string subject, string body)
    {
        var message = new MimeMessage { Subject = subject };
        try
        {
            message.From.Add(MailboxAddress.Parse(config.From));
            foreach (var address in to)
            {
                message.To.Add(MailboxAddress.Parse(address));
            }
        }
        catch (ParseException e)
        {
            message.Dispose();
            throw new MailDeliveryException($"An address of the mail is not an e-mail address: {e.Message}", e);
        }

        // Plain 7-bit text stays readable as it travels (a mail log, a raw mailbox); ASCII with a line longer than SMTP's
        // 998 characters (a topic's JSON envelope) goes quoted-printable, and anything else as base64.
        var ascii = Ascii.IsValid(body);
        var longLines = body.Split('\n').Any(line => line.Length > 998);
        var text = new TextPart("plain");
        text.SetText(ascii ? Encoding.ASCII : Encoding.UTF8, body.ReplaceLineEndings("\r\n"));
        text.ContentTransferEncoding = !ascii ? ContentEncoding.Base64 : longLines ? ContentEncoding.QuotedPrintable : ContentEncoding.SevenBit;
        message.Body = text;
        return message;
    }

    /// <summary>What went wrong, in words an operator can act on; null for an exception that is not a delivery failure.</summary>
    private string? Describe(Exception e, string step) => e switch
    {
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } refused =>
            $"The SMTP server {Server} refused the recipient {refused.Mailbox}: {(int)refused.StatusCode} {refused.Message}",
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } refused =>
            $"The SMTP server {Server} refused the sender {refused.Mailbox}: {(int)refused.StatusCode} {refused.Message}",
        SmtpCommandException refused =>
            $"The SMTP server {Server} refused the mail while {step}: {(int)refused.StatusCode} {refused.Message}",
        ServiceNotAuthenticatedException =>
            $"The SMTP server {Server} requires authentication; set UserName and a password: {e.Message}",
        AuthenticationException =>
            $"The SMTP server {Server} refused the credentials of user '{config.UserName}': {e.Message}",
        NotSupportedException when step == "connecting" && config.EnableSsl =>
            $"The SMTP server {Server} does not offer STARTTLS, which EnableSsl requires: {e.Message}",
        NotSupportedException =>
            $"The SMTP server {Server} cannot do what its settings ask while {step}: {e.Message}",
        SslHandshakeException =>
            $"The TLS handshake with the SMTP server {Server} failed: {e.Message}",
        SocketException =>
            $"Cannot connect to the SMTP server {Server}: {e.Message}",
        TimeoutException =>
            $"The SMTP server {Server} did not answer within {config.TimeoutSeconds} s while {step}.",
        SmtpProtocolException or IOException or ServiceNotConnectedException =>
            $"The connection to the SMTP server {Server} failed while {step}: {e.Message}",
        _ => null,
    };
}
