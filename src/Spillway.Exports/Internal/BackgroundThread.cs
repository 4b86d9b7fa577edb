using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Spillway.Exports.Internal;

/// <summary>
/// Runs synchronous work on a thread of its own at a lower scheduling priority, as a batch job run under <c>nice</c>
/// would: it takes whatever CPU the rest of the process leaves, and little of what the write path needs. On Linux the
/// thread's nice value is raised (always permitted, per thread); elsewhere <see cref="ThreadPriority.Lowest"/> is asked.
/// </summary>
internal static class BackgroundThread
{
    private const int PrioProcess = 0;

    /// <summary>
    /// Starts <paramref name="work"/> at <paramref name="niceness"/>; the task completes with its result or its error.
    /// The work must not queue to the thread pool: a thread the kernel starts inherits its creator's nice value, and
    /// the pool may start a worker on the thread that queues it work. So the task is completed by a thread at the
    /// caller's priority that waits for the work to end (a nice value, once raised, cannot be lowered again without
    /// privilege), and the write path's pool threads never run at the export's priority.
    /// </summary>
    public static Task<T> RunAsync<T>(string name, int niceness, Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            Lower(niceness);
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return Task.Factory.StartNew(
            () =>
            {
                thread.Join();
                error?.Throw();
                return result;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>The calling thread's nice value on Linux; null elsewhere.</summary>
    public static int? CurrentNiceness() =>
        OperatingSystem.IsLinux() ? GetPriority(PrioProcess, GetThreadId()) : null;

    private static void Lower(int niceness)
    {
        if (niceness <= 0)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            // Failure only leaves the thread at the process's priority; the export is paced as configured either way.
            _ = SetPriority(PrioProcess, GetThreadId(), niceness);
        }
        else
        {
            Thread.CurrentThread.Priority = ThreadPriority.Lowest;
        }
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static extern int GetPriority(int which, int who);
}
