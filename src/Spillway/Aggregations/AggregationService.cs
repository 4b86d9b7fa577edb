using Spillway.Aggregations;
using Spillway.DeliveryStreams;
using Spillway.Messaging;
using Spillway.Sinks;
using Spillway.Sinks.Aggregates;
using Spillway.Transport;

namespace Spillway.Hosting.Aggregations;

/// <summary>One aggregation at work: its declaration, its runner, and the table its results are read from.</summary>
internal sealed record RunningAggregation(AggregationDeclaration Declaration, AggregationRunner Runner, AggregationResults Results, IStreamSource Source)
{
    public string Name => Declaration.Definition.Name;
}

/// <summary>
/// Runs the aggregations of the configuration (<c>Spillway:Aggregations:&lt;name&gt;</c>) and those declared at run
/// time (kept in the <see cref="AggregationCatalog"/>), each an <see cref="AggregationRunner"/> over its stream writing
/// into its results table; adds and removes them as <c>/v1/aggregations</c> asks.
/// </summary>
internal sealed partial class AggregationService(
    ResolvedConfiguration configuration,
    IMessageTransport transport,
    QueueEngine? engine,
    DeliveryStreamStore deliveryStreams,
    AggregationMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, RunningAggregation> running = new(StringComparer.Ordinal);
    private readonly AggregationCatalog catalog = new(Path.Combine(configuration.DataDirectory, "aggregations"));
    private readonly ILogger logger = loggerFactory.CreateLogger("Spillway.Aggregations");

    /// <summary>Every aggregation running, by name.</summary>
    public IReadOnlyList<RunningAggregation> List()
    {
        lock (running)
        {
            return [.. running.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];
        }
    }

    public bool TryGet(string name, out RunningAggregation aggregation)
    {
        lock (running)
        {
            return running.TryGetValue(name, out aggregation!);
        }
    }

    /// <summary>Starts the configured aggregations and those the catalog keeps; one that cannot start is logged and the
    /// others go on.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var declarations = configuration.Aggregations.ToList();
        foreach (var json in catalog.ReadAll())
        {
            try
            {
                declarations.Add(AggregationDeclaration.Parse(json));
            }
            catch (ArgumentException e)
            {
                LogUnreadable(logger, e.Message);
            }
        }

        foreach (var declaration in declarations)
        {
            try
            {
                await StartOneAsync(declaration, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or SinkUnavailableException)
            {
                LogNotStarted(logger, declaration.Definition.Name, e.Message);
            }
        }
    }

    /// <summary>Declares an aggregation at run time: starts it and keeps it in the catalog.</summary>
    /// <exception cref="ArgumentException">The declaration is unusable; the message says why.</exception>
    /// <exception cref="InvalidOperationException">An aggregation of that name exists.</exception>
    public async Task<RunningAggregation> CreateAsync(string json, CancellationToken cancellationToken)
    {
        var declaration = AggregationDeclaration.Parse(json);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryGet(declaration.Definition.Name, out _))
            {
                throw new InvalidOperationException($"An aggregation named '{declaration.Definition.Name}' exists already.");
            }

            var started = await StartOneAsync(declaration, cancellationToken).ConfigureAwait(false);
            catalog.Save(started.Name, json);
            return started;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops an aggregation declared at run time and drops its results and checkpoint; false when there is none.</summary>
    /// <exception cref="InvalidOperationException">It is declared in the configuration, which a restart would bring back.</exception>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!TryGet(name, out var aggregation))
            {
                return false;
            }

            if (aggregation.Declaration.FromConfiguration)
            {
                throw new InvalidOperationException(
                    $"The aggregation '{name}' is declared in the configuration ({SpillwayOptions.SectionName}:Aggregations:{name}); remove it there.");
            }

            lock (running)
            {
                running.Remove(name);
            }

            await StopAsync(aggregation).ConfigureAwait(false);
            catalog.Delete(name);
            await aggregation.Results.Table.DropAsync("aggregation:" + name, cancellationToken).ConfigureAwait(false);
            await aggregation.Results.Table.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var aggregation in List())
        {
            await StopAsync(aggregation).ConfigureAwait(false);
            await aggregation.Results.Table.DisposeAsync().ConfigureAwait(false);
        }

        gate.Dispose();
    }

    private static async Task StopAsync(RunningAggregation aggregation)
    {
        await aggregation.Runner.DisposeAsync().ConfigureAwait(false);
        await aggregation.Source.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<RunningAggregation> StartOneAsync(AggregationDeclaration declaration, CancellationToken cancellationToken)
    {
        var definition = declaration.Definition;
        var output = declaration.Output;
        var streams = transport.Streams ?? throw new ArgumentException($"The {transport.Kind} transport has no streams to aggregate.");
        if (streams.FindProducer(definition.Source) is null)
        {
            throw new ArgumentException($"The stream '{definition.Source}' does not exist.");
        }

        var delivery = output.DeliveryStream is { } streamName
            ? deliveryStreams.TryGet(streamName, out var found) ? found : throw new ArgumentException($"The delivery stream '{streamName}' does not exist.")
            : null;
        var topic = output.Topic is { } topicName
            ? transport.Topics?.FindPublisher(topicName) ?? throw new ArgumentException($"The topic '{topicName}' does not exist.")
            : null;
        var late = await LateQueueAsync(output.LateRecords ?? definition.Name + "-late", cancellationToken).ConfigureAwait(false);
        var table = SqlSinkFactory.CreateAggregateTable(Database(output.Database), AggregationResults.ShapeOf(definition, output.Table ?? definition.Name.Replace('-', '_')));
        try
        {
            await table.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await table.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var results = new AggregationResults(definition, table, late, delivery, topic);
        var source = streams.OpenSource(definition.Source);
        var runner = new AggregationRunner(
            definition, source, results, new AggregationRunnerOptions { TimeProvider = time }, metrics, loggerFactory.CreateLogger<AggregationRunner>());
        var aggregation = new RunningAggregation(declaration, runner, results, source);
        lock (running)
        {
            running[definition.Name] = aggregation;
        }

        await runner.StartAsync(cancellationToken).ConfigureAwait(false);
        return aggregation;
    }

    /// <summary>The database of a named sink, or the default database.</summary>
    private SqlSinkOptions Database(string? sink)
    {
        var url = sink is null
            ? configuration.DefaultDatabase
            : configuration.Sinks.FirstOrDefault(s => string.Equals(s.Name, sink, StringComparison.OrdinalIgnoreCase))?.DatabaseUrl
                ?? throw new ArgumentException($"There is no sink named '{sink}' ({SpillwayOptions.SectionName}:Sinks:{sink}).");
        return new SqlSinkOptions
        {
            Name = sink ?? "aggregations",
            DatabaseUrl = url,
            DataDirectory = configuration.DataDirectory,
            MaxConnections = 2,
            TimeProvider = time,
        };
    }

    /// <summary>The late-records queue: made when missing on the embedded engine; on a broker it must be configured.</summary>
    private async Task<IQueueSender> LateQueueAsync(string name, CancellationToken cancellationToken)
    {
        if (transport.FindSender(name) is { } sender)
        {
            return sender;
        }

        if (engine is null)
        {
            throw new ArgumentException($"The late-records queue '{name}' does not exist; declare it under {SpillwayOptions.SectionName}:Queues.");
        }

        if (!engine.TryGetQueue(name, out _))
        {
            await engine.CreateQueueAsync(new QueueDefinition { Name = name }, cancellationToken).ConfigureAwait(false);
        }

        return transport.FindSender(name) ?? throw new InvalidOperationException($"The late-records queue '{name}' could not be opened.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Aggregation {Name} did not start: {Reason}")]
    private static partial void LogNotStarted(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "An aggregation kept from an earlier run could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
