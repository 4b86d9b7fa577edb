namespace Spillway.Messaging.Topics;

/// <summary>The topic or subscription named in the call does not exist (SNS's NotFound).</summary>
public sealed class TopicNotFoundException(string message) : Exception(message);
