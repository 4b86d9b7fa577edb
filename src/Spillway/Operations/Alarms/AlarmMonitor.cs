namespace Spillway.Operations.Alarms;

/// <summary>
/// Evaluates every rule on a timer of the injected clock and tells each notifier when a rule goes into ALARM and when
/// it returns to OK, as a CloudWatch alarm's actions do. Each notifier keeps its own record of what it was told, so a
/// notice that could not be delivered is tried again at the next evaluation without repeating it to the others.
/// </summary>
internal sealed partial class AlarmMonitor : IDisposable
{
    private readonly IReadOnlyList<AlarmRule> rules;
    private readonly Func<AlarmRule, CancellationToken, Task<AlarmReading>> evaluate;
    private readonly IReadOnlyList<IAlarmNotifier> notifiers;
    private readonly TimeSpan interval;
    private readonly TimeSpan cooldown;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Dictionary<string, AlarmState> states = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, string Notifier), Delivery> deliveries = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim round = new(1, 1);
    private ITimer? timer;

    public AlarmMonitor(
        IReadOnlyList<AlarmRule> rules,
        Func<AlarmRule, CancellationToken, Task<AlarmReading>> evaluate,
        IReadOnlyList<IAlarmNotifier> notifiers,
        TimeSpan interval,
        TimeSpan cooldown,
        TimeProvider time,
        ILogger logger)
    {
        this.rules = rules;
        this.evaluate = evaluate;
        this.notifiers = notifiers;
        this.interval = interval;
        this.cooldown = cooldown;
        this.time = time;
        this.logger = logger;
        foreach (var rule in rules)
        {
            states[rule.Name] = AlarmState.OK;
        }
    }

    public IReadOnlyList<AlarmRule> Rules => rules;

    /// <summary>Each rule's state after the last evaluation.</summary>
    public IReadOnlyDictionary<string, AlarmState> States
    {
        get
        {
            lock (states)
            {
                return new Dictionary<string, AlarmState>(states, StringComparer.Ordinal);
            }
        }
    }

    public void Start() => timer ??= time.CreateTimer(_ => _ = EvaluateAsync(stopping.Token), null, interval, interval);

    /// <summary>One round: every rule evaluated, every due notice sent. A round still running makes this one skip.</summary>
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        if (!await round.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            foreach (var rule in rules)
            {
                AlarmReading reading;
                try
                {
                    reading = await evaluate(rule, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogEvaluationFailed(logger, rule.Name, e.GetType().Name);
                    continue;
                }

                var state = reading.Firing ? AlarmState.ALARM : AlarmState.OK;
                lock (states)
                {
                    if (states[rule.Name] != state)
                    {
                        LogStateChanged(logger, rule.Name, state, reading.Reason);
                    }

                    states[rule.Name] = state;
                }

                foreach (var notifier in notifiers)
                {
                    await DeliverAsync(rule, reading, notifier, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            round.Release();
        }
    }

    public void Dispose()
    {
        timer?.Dispose();
        stopping.Cancel();
        stopping.Dispose();
    }

    private async Task DeliverAsync(AlarmRule rule, AlarmReading reading, IAlarmNotifier notifier, CancellationToken cancellationToken)
    {
        var key = (rule.Name, notifier.Name);
        var delivery = deliveries.TryGetValue(key, out var known) ? known : new Delivery(AlarmState.OK, null);
        var now = time.GetUtcNow();
        AlarmState? send = null;
        if (reading.Firing && delivery.Told == AlarmState.OK
            && (delivery.LastAlarmAt is not { } last || now - last >= cooldown))
        {
            send = AlarmState.ALARM;
        }
        else if (!reading.Firing && delivery.Told == AlarmState.ALARM)
        {
            send = AlarmState.OK;
        }

        if (send is not { } state)
        {
            return;
        }

        var notification = new AlarmNotification(
            rule.Name, state, rule.Kind.ToString(), rule.Subject, reading.Value, rule.Threshold, reading.Reason, now);
        try
        {
            await notifier.NotifyAsync(notification, cancellationToken).ConfigureAwait(false);
            deliveries[key] = state == AlarmState.ALARM ? new Delivery(state, now) : delivery with { Told = state };
            LogNotified(logger, rule.Name, state, notifier.Name);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Tried again at the next evaluation; the message may name a host, never a password.
            LogNotifyFailed(logger, rule.Name, state, notifier.Name, e.Message);
        }
    }

    [LoggerMessage(5001, LogLevel.Warning, "Alarm {Alarm} is now {State}: {Reason}")]
    private static partial void LogStateChanged(ILogger logger, string alarm, AlarmState state, string reason);

    [LoggerMessage(5002, LogLevel.Information, "Alarm {Alarm} {State} notice sent by {Notifier}")]
    private static partial void LogNotified(ILogger logger, string alarm, AlarmState state, string notifier);

    [LoggerMessage(
        5003, LogLevel.Error, "Alarm {Alarm} {State} notice could not be sent by {Notifier} ({Reason}); trying again at the next evaluation")]
    private static partial void LogNotifyFailed(ILogger logger, string alarm, AlarmState state, string notifier, string reason);

    [LoggerMessage(5004, LogLevel.Error, "Alarm {Alarm} could not be evaluated ({Reason})")]
    private static partial void LogEvaluationFailed(ILogger logger, string alarm, string reason);

    private readonly record struct Delivery(AlarmState Told, DateTimeOffset? LastAlarmAt);
}
