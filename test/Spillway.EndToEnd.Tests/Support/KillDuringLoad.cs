namespace Spillway.EndToEnd.Tests.Support;

/// <summary>What one send of a client under <see cref="KillDuringLoad"/> came to.</summary>
internal enum SendOutcome
{
    /// <summary>The server acknowledged it: it counts towards the kill.</summary>
    Acknowledged,

    /// <summary>Not acknowledged; the client sends on.</summary>
    NotAcknowledged,

    /// <summary>The client stops.</summary>
    Stop,
}

/// <summary>Clients that each send until the server is gone, the server SIGKILLed once enough sends were acknowledged.</summary>
internal static class KillDuringLoad
{
    /// <summary>
    /// Runs <paramref name="clients"/> clients, each calling <paramref name="send"/> (client, its send number) in a loop;
    /// the <paramref name="killAfter"/>th acknowledgement kills the server, and a connection error (the server gone) ends
    /// a client. Kills the server if it still runs once every client has ended (at most 120 s).
    /// </summary>
    public static async Task RunAsync(SpillwayProcess server, int clients, int killAfter, Func<int, int, Task<SendOutcome>> send)
    {
        var acknowledged = 0;
        var running = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    var outcome = await send(client, i);
                    if (outcome == SendOutcome.Stop)
                    {
                        return;
                    }

                    if (outcome == SendOutcome.Acknowledged && Interlocked.Increment(ref acknowledged) == killAfter)
                    {
                        server.Kill();
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    return; // The server is gone.
                }
            }
        })).ToArray();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(120));
        if (!server.HasExited)
        {
            server.Kill();
        }
    }
}
