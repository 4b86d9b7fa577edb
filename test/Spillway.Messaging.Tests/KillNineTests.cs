using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Spillway.Storage.Tests;

namespace Spillway.Messaging.Tests;

/// <summary>
/// Kills a real writing process with SIGKILL at random moments and checks, after each kill, that every send it
/// acknowledged is stored and no delete it acknowledged is undone. The child is this test assembly run through its
/// own entry point (<see cref="CrashWriter"/>).
/// </summary>
public sealed class KillNineTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Acknowledged_messages_survive_sigkill_of_the_writing_process()
    {
        var random = new Random(9);
        var sent = new ConcurrentDictionary<string, bool>();
        var deleted = new ConcurrentDictionary<string, bool>();
        var deleteAsked = new ConcurrentDictionary<string, bool>();
        for (var cycle = 0; cycle < 20; cycle++)
        {
            var killAfter = random.Next(20, 1500);
            var acknowledged = 0;
            using var enough = new SemaphoreSlim(0);
            using var child = StartWriter();
            child.OutputDataReceived += (_, line) =>
            {
                if (line.Data is not { Length: > 2 } data)
                {
                    return;
                }

                (data[0] switch { 'S' => sent, 'R' => deleteAsked, _ => deleted })[data[2..]] = true;
                if (Interlocked.Increment(ref acknowledged) == killAfter)
                {
                    enough.Release();
                }
            };
            child.BeginOutputReadLine();
            Assert.True(await enough.WaitAsync(TimeSpan.FromSeconds(60)), $"cycle {cycle}: the writer acknowledged only {acknowledged}");
            child.Kill();
            await child.WaitForExitAsync();
            child.WaitForExit(); // drains the redirected output: every line printed before the kill is counted

            await using var engine = await QueueEngine.OpenAsync(
                new QueueEngineOptions { DataDirectory = temp.Path, MinimumFreeDiskBytes = 0 });
            Assert.True(engine.TryGetQueue(CrashWriter.QueueName, out var queue));
            var present = queue.Peek(10_000_000).Select(p => Encoding.UTF8.GetString(p.Body.Span)).ToHashSet();
            var lost = sent.Keys.Where(k => !deleteAsked.ContainsKey(k) && !present.Contains(k)).ToList();
            var resurrected = deleted.Keys.Where(present.Contains).ToList();
            Assert.True(lost.Count == 0, $"cycle {cycle}: {lost.Count} acknowledged sends lost, e.g. {lost.FirstOrDefault()}");
            Assert.True(resurrected.Count == 0, $"cycle {cycle}: {resurrected.Count} acknowledged deletes undone");
        }

        Assert.True(sent.Count > 1000);
        Assert.NotEmpty(deleted);
    }

    private Process StartWriter()
    {
        // The test host usually runs under the dotnet muxer; when it is an app host of its own, use the SDK's muxer.
        var muxer = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
            ? Environment.ProcessPath!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(muxer)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(CrashWriter).Assembly.Location);
        start.ArgumentList.Add(CrashWriter.Command);
        start.ArgumentList.Add(temp.Path);
        return Process.Start(start)!;
    }
}
