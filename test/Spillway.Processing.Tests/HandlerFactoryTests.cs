using Spillway.Sinks;

namespace Spillway.Processing.Tests;

public sealed class HandlerFactoryTests
{
    [Fact]
    public async Task Registered_csharp_handler_is_selected_by_name_case_insensitively()
    {
        var registry = new HandlerRegistry();
        var calls = 0;
        registry.Register("Audit", (batch, _) =>
        {
            calls++;
            return ValueTask.FromResult(BatchOutcome.Success);
        });

        var handler = MessageHandlerFactory.Create(new MessageHandlerOptions { Kind = "csharp", Name = "audit" }, registry: registry);
        await handler.HandleAsync(HttpFunctionHandlerTests.Batch("{}"), CancellationToken.None);

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Per_message_handler_reports_only_the_messages_that_threw()
    {
        var registry = new HandlerRegistry().Register("strict", (message, _) =>
            message.Body.Span.SequenceEqual("bad"u8) ? throw new FormatException("bad") : ValueTask.CompletedTask);
        var batch = HttpFunctionHandlerTests.Batch("good", "bad", "good");

        var outcome = await registry.Get("strict").HandleAsync(batch, CancellationToken.None);

        Assert.Equal([batch.Messages[1].MessageId], outcome.FailedMessageIds);
    }

    [Fact]
    public void Registering_a_name_twice_is_refused()
    {
        var registry = new HandlerRegistry().Register("a", (_, _) => ValueTask.FromResult(BatchOutcome.Success));

        Assert.Throws<ArgumentException>(() => registry.Register("A", (_, _) => ValueTask.FromResult(BatchOutcome.Success)));
    }

    [Fact]
    public void Unknown_csharp_handler_is_refused_naming_the_key_and_the_known_names()
    {
        var registry = new HandlerRegistry().Register("known", (_, _) => ValueTask.FromResult(BatchOutcome.Success));

        var error = Assert.Throws<ArgumentException>(() => MessageHandlerFactory.Create(
            new MessageHandlerOptions { Kind = "csharp", Name = "missing" }, registry: registry, section: "Routes:0:Handler"));

        Assert.Equal("Routes:0:Handler:Name", error.ParamName);
        Assert.Contains("known", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lambda", "Kind")]
    [InlineData("http", "Url")]
    [InlineData("csharp", "Name")]
    [InlineData("sql", "Sink")]
    public void Incomplete_configuration_is_refused_naming_the_key(string kind, string key)
    {
        var error = Assert.Throws<ArgumentException>(() => MessageHandlerFactory.Create(new MessageHandlerOptions { Kind = kind }));

        Assert.Equal($"Handler:{key}", error.ParamName);
    }

    [Fact]
    public void Http_kind_builds_an_http_function_handler_with_the_configured_timeout()
    {
        using var handler = (HttpFunctionHandler)MessageHandlerFactory.Create(new MessageHandlerOptions
        {
            Kind = "HTTP",
            Url = "http://127.0.0.1:9/fn",
            Timeout = TimeSpan.FromSeconds(5),
        });

        Assert.Equal(TimeSpan.FromSeconds(5), handler.Options.Timeout);
        Assert.Equal(new Uri("http://127.0.0.1:9/fn"), handler.Options.Url);
    }

    [Fact]
    public void Sql_kind_picks_the_named_sink_and_refuses_an_unknown_one()
    {
        var sinks = new Dictionary<string, ISqlSink> { ["main"] = new FlakySink(null!), ["audit"] = new FlakySink(null!) };

        var handler = (SqlSinkHandler)MessageHandlerFactory.Create(new MessageHandlerOptions { Kind = "sql", Sink = "audit" }, sinks);
        var error = Assert.Throws<ArgumentException>(
            () => MessageHandlerFactory.Create(new MessageHandlerOptions { Kind = "sql", Sink = "other" }, sinks));

        Assert.Same(sinks["audit"], handler.Sink);
        Assert.Equal("Handler:Sink", error.ParamName);
    }
}
