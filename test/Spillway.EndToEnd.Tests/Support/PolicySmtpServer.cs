using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>
/// A real SMTP server (Debian's aiosmtpd, as scripts/smtp.sh runs it) with a policy the shared one lacks: it requires
/// AUTH with one user and password and refuses recipients at <c>nobody@</c>, so a test sees how the mailer reports
/// a server's refusals. Accepted mail is discarded.
/// </summary>
internal sealed class PolicySmtpServer : IAsyncDisposable
{
    public const string User = "spillway";
    public const string Password = "right-password";

    private const string Script = """
        import asyncio, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        class Policy:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith('nobody@'):
                    return '550 5.1.1 <%s>: Recipient address rejected: User unknown' % address
                envelope.rcpt_tos.append(address)
                return '250 OK'

            async def handle_DATA(self, server, session, envelope):
                return '250 OK'

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == b'spillway' and auth_data.password == b'right-password'
            # handled=False: the server itself answers 535 to a failure.
            return AuthResult(success=ok, handled=False)

        controller = Controller(Policy(), hostname='127.0.0.1', port=int(sys.argv[1]),
                                authenticator=authenticate, auth_required=True, auth_require_tls=False)
        controller.start()
        print('ready', flush=True)
        sys.stdin.read()
        controller.stop()
        """;

    private readonly Process process;

    private PolicySmtpServer(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<PolicySmtpServer> StartAsync()
    {
        // The port is chosen here and released for the server, as scripts/lib.sh's free_port does.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "ready")
        {
            var error = await process.StandardError.ReadToEndAsync(timeout.Token);
            throw new InvalidOperationException("aiosmtpd did not start (scripts/smtp.sh installs python3-aiosmtpd): " + error);
        }

        return new PolicySmtpServer(process, port);
    }

    public async ValueTask DisposeAsync()
    {
        // Closing its stdin stops the server; the process is ours alone.
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }

        process.Dispose();
    }
}
