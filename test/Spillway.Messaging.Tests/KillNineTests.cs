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

    /// <summary>Cycles to run: 20 in the suite; <c>scripts/kill9-soak.sh</c> asks for more through this variable.</summary>
    public const string CyclesVariable = "SPILLWAY_KILL9_CYCLES";

    /// <summary>When set, a file that receives the run's figures (one "name value" line each) as the cycles go.</summary>
    public const string ReportVariable = "SPILLWAY_KILL9_REPORT";

    [Fact]
    public async Task Acknowledged_messages_survive_sigkill_of_the_writing_process()
    {
        var cycles = int.TryParse(Environment.GetEnvironmentVariable(CyclesVariable), out var asked) && asked > 0 ? asked : 20;
        var report = Environment.GetEnvironmentVariable(ReportVariable);
        var random = new Random(9);
        var sent = new ConcurrentDictionary<string, bool>();
        var deleted = new ConcurrentDictionary<string, bool>();
        var deleteAsked = new ConcurrentDictionary<string, bool>();
        long recovered = 0;
        for (var cycle = 0; cycle < cycles; cycle++)
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
            recovered = sent.Keys.Count(k => !deleteAsked.ContainsKey(k) && present.Contains(k));
            if (report is not null)
            {
                await File.WriteAllTextAsync(
                    report,
                    $"cycles {cycle + 1}\nacknowledged_sends {sent.Count}\nacknowledged_deletes {deleted.Count}\n"
                    + $"expected_present {recovered + lost.Count}\nrecovered {recovered}\nlost {lost.Count}\n"
                    + $"resurrected {resurrected.Count}\n");
            }

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
