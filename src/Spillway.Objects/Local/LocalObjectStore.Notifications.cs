using Spillway.Objects.Events;

namespace Spillway.Objects.Local;

/// <summary>Event notifications: kept in the bucket's marker file beside the lifecycle rules.</summary>
public sealed partial class LocalObjectStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<ObjectEventRule>> GetNotificationsAsync(string bucket, CancellationToken cancellationToken = default)
    {
        var state = Find(bucket);
        lock (state)
        {
            return Task.FromResult(state.Notifications);
        }
    }

    /// <inheritdoc />
    public Task PutNotificationsAsync(string bucket, IReadOnlyList<ObjectEventRule> rules, CancellationToken cancellationToken = default)
    {
        ObjectEventRule.Check(rules);
        var state = Find(bucket);
        lock (state)
        {
            state.Notifications = [.. rules];
            WriteBucketFile(state);
        }

        return Task.CompletedTask;
    }
}
