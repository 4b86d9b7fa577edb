namespace Spillway.Operations.Alarms;

internal enum AlarmKind
{
    OldestMessageAge,
    QueueNotEmpty,
    SinkFailing,
    IteratorAge,
}

/// <summary>A validated rule: what it watches and its threshold.</summary>
/// <param name="Name">The rule's name from configuration.</param>
/// <param name="Kind">What it measures.</param>
/// <param name="Subject">The queue, sink or stream worker it watches.</param>
/// <param name="Threshold">Seconds for OldestMessageAge and IteratorAge, messages for QueueNotEmpty, failing writes for SinkFailing.</param>
internal sealed record AlarmRule(string Name, AlarmKind Kind, string Subject, double Threshold);

/// <summary>One evaluation: whether the rule's condition holds, the value measured and a sentence for a human.</summary>
internal readonly record struct AlarmReading(bool Firing, double Value, string Reason);

internal enum AlarmState
{
    OK,
    ALARM,
}

/// <summary>A notice sent to the webhook and by e-mail: an alarm, or its recovery.</summary>
internal sealed record AlarmNotification(
    string Alarm, AlarmState State, string Kind, string Subject, double Value, double Threshold, string Reason, DateTimeOffset At);

/// <summary>Somewhere notices go.</summary>
internal interface IAlarmNotifier
{
    string Name { get; }

    Task NotifyAsync(AlarmNotification notification, CancellationToken cancellationToken);
}
