namespace Spillway.EndToEnd.Tests.Support;

/// <summary>The real SMTP server that ./test.sh starts (aiosmtpd), read through the Maildir it delivers into.</summary>
internal static class Maildir
{
    public static (string Host, int Port, string Directory) Server()
    {
        var address = Environment.GetEnvironmentVariable("SPILLWAY_TEST_SMTP");
        var directory = Environment.GetEnvironmentVariable("SPILLWAY_TEST_SMTP_MAILDIR");
        if (string.IsNullOrEmpty(address) || string.IsNullOrEmpty(directory))
        {
            throw new InvalidOperationException(
                "SPILLWAY_TEST_SMTP and SPILLWAY_TEST_SMTP_MAILDIR are not set: run the tests through ./test.sh, which starts an SMTP server");
        }

        var parts = address.Split(':');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), directory);
    }

    /// <summary>Waits until a delivered message contains every one of <paramref name="needles"/>; returns its text.</summary>
    public static async Task<string> WaitForAsync(string directory, TimeSpan timeout, params string[] needles)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(directory, "new")))
            {
                var text = await File.ReadAllTextAsync(file);
                if (needles.All(n => text.Contains(n, StringComparison.Ordinal)))
                {
                    return text;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no mail with " + string.Join(", ", needles));
            }

            await Task.Delay(50);
        }
    }
}
