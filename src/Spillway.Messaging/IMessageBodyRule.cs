namespace Spillway.Messaging;

/// <summary>
/// What a queue's consumers can store. The host gives one to every path into a queue that feeds a route's table or a
/// sink, so a body that would never become a row is refused at the door instead of acknowledged and dead-lettered.
/// </summary>
public interface IMessageBodyRule
{
    /// <summary>Null when <paramref name="body"/> is acceptable; otherwise what is wrong, in words fit for the client.</summary>
    string? Check(ReadOnlySpan<byte> body);
}
