namespace Spillway.Amqp.Tests;

/// <summary>The tests here share one RabbitMQ node with the other test projects; they run one after another so that the
/// lease and timing tests do not also compete with each other for it.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqNodeCollection
{
    public const string Name = "RabbitMQ node";
}
