using System.Net;
using System.Net.Sockets;
using MimeKit;
using Spillway.EndToEnd.Tests.Support;
using Spillway.Notifications;

namespace Spillway.EndToEnd.Tests.Notifications;

/// <summary>The mailer of export notices and alarms, against real SMTP servers (aiosmtpd).</summary>
public sealed class SmtpMailerTests
{
    [Fact]
    public async Task A_mail_reaches_the_server_with_its_recipients_subject_and_unicode_body_intact()
    {
        var (host, port, maildir) = Maildir.Server();
        var marker = Guid.NewGuid().ToString("N");
        var mailer = new SmtpMailer(new SmtpConfig { Host = host, Port = port, From = "spillway@example.com" }, null);

        await mailer.SendAsync(
            [$"a-{marker}@example.com", $"b-{marker}@example.com"], $"[Spillway] 田中 {marker}", "Zeile eins: Größe\nline two\n", default);

        var raw = await Maildir.WaitForAsync(maildir, TimeSpan.FromSeconds(30), $"X-RcptTo: a-{marker}@example.com, b-{marker}@example.com");
        using var mail = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw)));
        Assert.Equal($"[Spillway] 田中 {marker}", mail.Subject);
        Assert.Equal("spillway@example.com", mail.From.Mailboxes.Single().Address);
        // The Maildir stores lines with the local line ending.
        Assert.Equal("Zeile eins: Größe\nline two\n", mail.TextBody?.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task An_ascii_body_travels_as_readable_seven_bit_text()
    {
        var (host, port, maildir) = Maildir.Server();
        var marker = Guid.NewGuid().ToString("N");
        var mailer = new SmtpMailer(new SmtpConfig { Host = host, Port = port }, null);

        await mailer.SendAsync([$"{marker}@example.com"], "[Spillway] plain", $"Rows:      1000\nmarker {marker}\n", default);

        var raw = await Maildir.WaitForAsync(maildir, TimeSpan.FromSeconds(30), $"marker {marker}");
        Assert.Contains("Rows:      1000", raw, StringComparison.Ordinal);
        Assert.Contains("Content-Transfer-Encoding: 7bit", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refused_recipient_is_reported_naming_it_and_the_server_answer()
    {
        await using var server = await PolicySmtpServer.StartAsync();
        var mailer = Mailer(server.Port, PolicySmtpServer.Password);

        var error = await Assert.ThrowsAsync<MailDeliveryException>(
            () => mailer.SendAsync(["nobody@example.com"], "s", "b", default));

        Assert.Contains("refused the recipient nobody@example.com", error.Message, StringComparison.Ordinal);
        Assert.Contains("550", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{server.Port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_credentials_are_reported_naming_the_user_but_never_the_password()
    {
        await using var server = await PolicySmtpServer.StartAsync();
        var mailer = Mailer(server.Port, "wrong-hunter2");

        var error = await Assert.ThrowsAsync<MailDeliveryException>(() => mailer.SendAsync(["oncall@example.com"], "s", "b", default));

        Assert.Contains($"refused the credentials of user '{PolicySmtpServer.User}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_right_credentials_the_mail_is_accepted()
    {
        await using var server = await PolicySmtpServer.StartAsync();

        await Mailer(server.Port, PolicySmtpServer.Password).SendAsync(["oncall@example.com"], "s", "b", default);
    }

    [Fact]
    public async Task Without_a_user_no_AUTH_is_tried_so_a_server_that_requires_it_refuses_the_sender()
    {
        await using var server = await PolicySmtpServer.StartAsync();
        var mailer = new SmtpMailer(new SmtpConfig { Host = "127.0.0.1", Port = server.Port, Password = "unused" }, "unused");

        var error = await Assert.ThrowsAsync<MailDeliveryException>(() => mailer.SendAsync(["oncall@example.com"], "s", "b", default));

        Assert.Contains("requires authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableSsl_refuses_a_server_that_does_not_offer_STARTTLS_instead_of_sending_in_clear()
    {
        var (host, port, maildir) = Maildir.Server();
        var marker = Guid.NewGuid().ToString("N");
        var mailer = new SmtpMailer(new SmtpConfig { Host = host, Port = port, EnableSsl = true }, null);

        var error = await Assert.ThrowsAsync<MailDeliveryException>(() => mailer.SendAsync([$"{marker}@example.com"], "s", "b", default));

        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(maildir, "new")), f => File.ReadAllText(f).Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_after_the_configured_seconds()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var clock = new ManualTimeProvider();
        var config = new SmtpConfig { Host = "127.0.0.1", Port = ((IPEndPoint)silent.LocalEndpoint).Port, TimeoutSeconds = 30 };
        var send = new SmtpMailer(config, null, clock).SendAsync(["oncall@example.com"], "s", "b", default);
        using var accepted = await silent.AcceptTcpClientAsync();

        Assert.False(send.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<MailDeliveryException>(() => send);

        Assert.Contains("did not answer within 30 s while connecting", error.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(error.InnerException);
    }

    [Fact]
    public async Task A_server_that_is_not_listening_is_reported_as_unreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<MailDeliveryException>(
            () => new SmtpMailer(new SmtpConfig { Host = "127.0.0.1", Port = port }, null).SendAsync(["a@example.com"], "s", "b", default));

        Assert.Contains($"Cannot connect to the SMTP server 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    private static SmtpMailer Mailer(int port, string password) => new(
        new SmtpConfig { Host = "127.0.0.1", Port = port, UserName = PolicySmtpServer.User, From = "spillway@example.com" }, password);
}
