namespace Spillway.Amqp.Tests;

/// <summary>One RabbitMQ node serves every test here, and one of them restarts it: they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqNodeCollection
{
    public const string Name = "RabbitMQ node";
}
