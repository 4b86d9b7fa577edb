namespace Spillway.Messaging.Topics;

public sealed partial class Topic
{
    /// <summary>Whether the message passes the subscription's filter policy.</summary>
    private static bool Passes(Subscription subscription, FilterSubject subject) => subject.Message is not null && subscription.FilterPolicy is null;

    /// <summary>A message as the filters see it, parsed once however many subscriptions look at it.</summary>
    private sealed class FilterSubject(TopicMessage message)
    {
        public TopicMessage Message { get; } = message;
    }
}
