using System.Threading.Channels;
using Spillway.Messaging;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

/// <summary>
/// Export pacing on PostgreSQL with a manual clock: the row cap, yielding to a busy write path, and how the server
/// tells that the write path is busy.
/// </summary>
public sealed class ExportPacingTests : IAsyncLifetime
{
    private const int Rows = 5_000;
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-pacing-").FullName;
    private readonly ManualTimeProvider clock = new();
    private readonly Channel<TimeSpan> waits = Channel.CreateUnbounded<TimeSpan>();
    private readonly TaskCompletionSource<ExportJob> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UsersTable table = null!;
    private ExposedTable exposed = null!;

    public async Task InitializeAsync()
    {
        table = await UsersTable.CreateAsync("postgresql");
        await table.InsertAsync(Rows);
        exposed = new ExposedTable("users", table.CreateReader(), ["email", "created_at"]);
    }

    public async Task DisposeAsync()
    {
        await exposed.Reader.DisposeAsync();
        await table.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task An_export_with_a_row_cap_waits_on_the_clock_and_ends_only_as_the_time_passes()
    {
        await using var host = await StartAsync(jobs => new ExportOptions { JobDirectory = jobs, MaxRowsPerSecond = 1_000, TimeProvider = clock });
        var id = await host.SubmitAsync(new { table = "users", format = "csv" });

        var waited = TimeSpan.Zero;
        var first = true;
        while (await NextWaitAsync() is { } wait)
        {
            if (first)
            {
                // Held by the cap, not finished: the clock has not moved yet.
                Assert.Equal(ExportState.Running, host.Service.Get(id)!.State);
                first = false;
            }

            waited += wait;
            clock.Advance(wait);
        }

        // 5,000 rows at 1,000 rows/s: the CSV comes from PostgreSQL's COPY in chunks, each paid for on the clock as it is
        // written, so every row is: 5 s.
        Assert.InRange(waited.TotalSeconds, 4.999, 5.001);
        var job = await ended.Task;
        Assert.Equal(ExportState.Done, job.State);
        Assert.Equal(Rows, job.Rows);
        Assert.Equal(Rows + 1, (await host.Client.GetStringAsync($"/v1/exports/{id}/download")).Split("\r\n").Length - 1);
    }

    [Fact]
    public async Task An_export_slows_to_the_busy_cap_while_ingest_is_busy_and_runs_free_once_it_calms()
    {
        var busy = 1;
        await using var host = await StartAsync(jobs => new ExportOptions
        {
            JobDirectory = jobs, BusyMaxRowsPerSecond = 1_000, IngestBusy = () => Volatile.Read(ref busy) == 1, TimeProvider = clock,
        });
        var id = await host.SubmitAsync(new { table = "users", format = "ndjson" });

        for (var i = 0; i < 3; i++)
        {
            var wait = await NextWaitAsync();
            Assert.Equal(TimeSpan.FromSeconds(0.256), wait);
            Assert.Equal(ExportState.Running, host.Service.Get(id)!.State);
            if (i == 2)
            {
                Volatile.Write(ref busy, 0);
            }

            clock.Advance(wait!.Value);
        }

        // Quiet again and no cap while quiet: the rest needs no more clock.
        Assert.Null(await NextWaitAsync());
        var job = await ended.Task;
        Assert.Equal(ExportState.Done, job.State);
        Assert.Equal(Rows, job.Rows);
    }

    [Fact]
    public async Task A_busy_write_path_never_raises_the_rate_above_the_quiet_cap()
    {
        await using var host = await StartAsync(jobs => new ExportOptions
        {
            JobDirectory = jobs, MaxRowsPerSecond = 1_000, BusyMaxRowsPerSecond = 100_000, IngestBusy = () => true, TimeProvider = clock,
        });
        await host.SubmitAsync(new { table = "users", format = "csv" });
        Assert.InRange((await AdvanceToTheEndAsync()).TotalSeconds, 4.999, 5.001); // 1,000 rows/s, as in the first test
        Assert.Equal(Rows, (await ended.Task).Rows);
    }

    [Fact]
    public async Task A_csv_from_postgresql_yields_by_its_priority_and_is_not_held_to_the_busy_cap()
    {
        await using var host = await StartAsync(jobs => new ExportOptions
        {
            JobDirectory = jobs, BusyMaxRowsPerSecond = 1_000, IngestBusy = () => true, TimeProvider = clock,
        });
        await host.SubmitAsync(new { table = "users", format = "csv" });
        Assert.Null(await NextWaitAsync());
        Assert.Equal(Rows, (await ended.Task).Rows);
    }

    [Fact]
    public async Task A_csv_from_postgresql_at_the_servers_own_priority_is_held_to_the_busy_cap()
    {
        await using var host = await StartAsync(jobs => new ExportOptions
        {
            JobDirectory = jobs, BusyMaxRowsPerSecond = 1_000, IngestBusy = () => true, Niceness = 0, TimeProvider = clock,
        });
        await host.SubmitAsync(new { table = "users", format = "csv" });
        Assert.InRange((await AdvanceToTheEndAsync()).TotalSeconds, 4.999, 5.001);
        Assert.Equal(Rows, (await ended.Task).Rows);
    }

    [Fact]
    public async Task Without_a_cap_or_busy_ingest_an_export_never_waits_on_the_clock()
    {
        await using var host = await StartAsync(jobs => new ExportOptions
        {
            JobDirectory = jobs, IngestBusy = () => false, TimeProvider = clock,
        });
        await host.SubmitAsync(new { table = "users", format = "csv" });
        Assert.Null(await NextWaitAsync());
        Assert.Equal(Rows, (await ended.Task).Rows);
    }

    [Fact]
    public void Ingest_is_busy_while_messages_move_faster_than_the_threshold_and_quiet_once_they_stop()
    {
        long moved = 0;
        var samples = 0;
        var activity = new IngestActivity(
            () =>
            {
                samples++;
                return moved;
            },
            busyMessagesPerSecond: 100,
            window: TimeSpan.FromMilliseconds(250),
            time: clock);

        Assert.False(activity.IsBusy);
        moved += 20; // 80 messages/s over the window: a trickle
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.False(activity.IsBusy);

        moved += 30; // 120 messages/s
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(activity.IsBusy);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(activity.IsBusy); // within the window: the last sample stands, the count is not read again
        Assert.Equal(3, samples);

        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.False(activity.IsBusy);
        Assert.Equal(4, samples);
    }

    [Fact]
    public async Task Messages_sent_to_an_ingest_queue_make_the_server_busy_but_the_exports_own_queue_does_not()
    {
        await using var engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = Path.Combine(directory, "queues") });
        await engine.CreateQueueAsync(new QueueDefinition { Name = "submit" });
        await engine.CreateQueueAsync(new QueueDefinition { Name = "spillway-exports" });
        engine.TryGetQueue("submit", out var submit);
        engine.TryGetQueue("spillway-exports", out var exports);
        var activity = IngestActivity.OverQueues(engine, "spillway-exports", busyMessagesPerSecond: 100, time: clock);
        Assert.False(activity.IsBusy);

        await exports!.SendBatchAsync([.. Enumerable.Range(0, 100).Select(i => new OutgoingMessage("export"u8.ToArray()))]);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.False(activity.IsBusy);

        await submit!.SendBatchAsync([.. Enumerable.Range(0, 100).Select(i => new OutgoingMessage("{}"u8.ToArray()))]);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(activity.IsBusy);
    }

    [Fact]
    public void Pacing_settings_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExportOptions { JobDirectory = directory, MaxRowsPerSecond = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExportOptions { JobDirectory = directory, BusyMaxRowsPerSecond = 100_000_001 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExportOptions { JobDirectory = directory, Niceness = 20 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExportOptions { JobDirectory = directory, Niceness = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new IngestActivity(() => 0, busyMessagesPerSecond: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IngestActivity(() => 0, window: TimeSpan.Zero));
        var defaults = new ExportOptions { JobDirectory = directory };
        Assert.Equal(0, defaults.MaxRowsPerSecond);
        Assert.Equal(50_000, defaults.BusyMaxRowsPerSecond);
        Assert.Equal(19, defaults.Niceness);
    }

    private Task<ExportHost> StartAsync(Func<string, ExportOptions> configure) => ExportHost.StartAsync(
        directory,
        new Dictionary<string, ExposedTable> { ["users"] = exposed },
        configure,
        beforeStart: service =>
        {
            service.PaceScheduled = wait => waits.Writer.TryWrite(wait);
            service.JobEnded = job => ended.TrySetResult(job);
        });

    /// <summary>Moves the clock through each of the job's waits until it ends; returns the time they took.</summary>
    private async Task<TimeSpan> AdvanceToTheEndAsync()
    {
        var waited = TimeSpan.Zero;
        while (await NextWaitAsync() is { } wait)
        {
            waited += wait;
            clock.Advance(wait);
        }

        return waited;
    }

    /// <summary>The job's next wait on the clock, or null once it ended without another.</summary>
    private async Task<TimeSpan?> NextWaitAsync()
    {
        var next = waits.Reader.WaitToReadAsync().AsTask();
        await Task.WhenAny(next, ended.Task).WaitAsync(TimeSpan.FromSeconds(60));
        return waits.Reader.TryRead(out var wait) ? wait : null;
    }
}
