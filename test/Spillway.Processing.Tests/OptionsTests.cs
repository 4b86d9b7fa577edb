using Microsoft.Extensions.Configuration;

namespace Spillway.Processing.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_those_of_a_lambda_sqs_mapping_with_the_seeds_concurrency()
    {
        var options = new EventSourceMappingOptions();

        Assert.Equal(10, options.BatchSize);
        Assert.Equal(TimeSpan.Zero, options.MaximumBatchingWindow);
        Assert.Equal(2, options.MaximumConcurrency);
        Assert.Null(options.VisibilityTimeout);
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(20), options.PollWaitTime);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Batch_size_accepts_lambdas_range(int size) => Assert.Equal(size, new EventSourceMappingOptions { BatchSize = size }.BatchSize);

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Batch_size_outside_lambdas_range_is_refused_naming_the_key(int size)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EventSourceMappingOptions { BatchSize = size });
        Assert.Equal(nameof(EventSourceMappingOptions.BatchSize), error.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(301)]
    public void Batching_window_outside_0_to_300_seconds_is_refused(int seconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new EventSourceMappingOptions { MaximumBatchingWindow = TimeSpan.FromSeconds(seconds) });
        Assert.Equal(nameof(EventSourceMappingOptions.MaximumBatchingWindow), error.ParamName);
    }

    [Fact]
    public void Concurrency_below_one_and_negative_visibility_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventSourceMappingOptions { MaximumConcurrency = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventSourceMappingOptions { VisibilityTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventSourceMappingOptions { VisibilityTimeout = TimeSpan.FromHours(13) });
        Assert.Equal(300, new EventSourceMappingOptions { MaximumBatchingWindow = TimeSpan.FromSeconds(300) }.MaximumBatchingWindow.TotalSeconds);
    }

    [Fact]
    public void Retry_delays_must_be_ordered()
    {
        var options = new EventSourceMappingOptions
        {
            UnavailableRetryInitialDelay = TimeSpan.FromSeconds(10),
            UnavailableRetryMaxDelay = TimeSpan.FromSeconds(5),
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(EventSourceMappingOptions.UnavailableRetryInitialDelay), error.ParamName);
    }

    [Fact]
    public void Http_function_url_must_be_absolute_http()
    {
        Assert.Throws<ArgumentException>(() => new HttpFunctionOptions { Url = new Uri("ftp://example.com/") });
        Assert.Throws<ArgumentException>(() => new HttpFunctionOptions { Url = new Uri("/relative", UriKind.Relative) });
    }
}

public sealed class OptionsBindingTests
{
    [Fact]
    public void Mapping_and_handler_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mapping:BatchSize"] = "500",
                ["Mapping:MaximumBatchingWindow"] = "00:00:02",
                ["Mapping:MaximumConcurrency"] = "4",
                ["Mapping:VisibilityTimeout"] = "00:01:00",
                ["Mapping:Enabled"] = "false",
                ["Handler:Kind"] = "http",
                ["Handler:Url"] = "http://127.0.0.1:9000/",
                ["Handler:Timeout"] = "00:00:05",
            })
            .Build();

        var mapping = configuration.GetSection("Mapping").Get<EventSourceMappingOptions>()!;
        var handler = configuration.GetSection("Handler").Get<MessageHandlerOptions>()!;

        Assert.Equal(500, mapping.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(2), mapping.MaximumBatchingWindow);
        Assert.Equal(4, mapping.MaximumConcurrency);
        Assert.Equal(TimeSpan.FromMinutes(1), mapping.VisibilityTimeout);
        Assert.False(mapping.Enabled);
        Assert.Same(TimeProvider.System, mapping.TimeProvider);
        Assert.Equal("http", handler.Kind);
        Assert.Equal(TimeSpan.FromSeconds(5), handler.Timeout);
    }

    [Fact]
    public void Out_of_range_configuration_names_the_key()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mapping:BatchSize"] = "20000" })
            .Build();

        var error = Record.Exception(() => configuration.GetSection("Mapping").Get<EventSourceMappingOptions>());

        Assert.NotNull(error);
        Assert.Contains("BatchSize", error.ToString(), StringComparison.Ordinal);
    }
}
