using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Spillway.Processing.Internal;

namespace Spillway.Processing;

/// <summary>
/// C# handlers by name, so configuration can select one (<c>"Kind": "csharp", "Name": "..."</c>). Register handlers
/// before the host builds its mappings, usually on <see cref="Default"/>.
/// </summary>
public sealed class HandlerRegistry
{
    private readonly ConcurrentDictionary<string, IMessageHandler> handlers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registry the host reads unless it is given another.</summary>
    public static HandlerRegistry Default { get; } = new();

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. handlers.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Registers a handler under a name (case-insensitive); throws when the name is taken.</summary>
    public HandlerRegistry Register(string name, IMessageHandler handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!handlers.TryAdd(name, handler))
        {
            throw new ArgumentException($"A handler named '{name}' is already registered.", nameof(name));
        }

        return this;
    }

    /// <summary>Registers a delegate as a handler; it returns which messages failed, as <see cref="IMessageHandler"/> does.</summary>
    public HandlerRegistry Register(string name, Func<MessageBatch, CancellationToken, ValueTask<BatchOutcome>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Register(name, new DelegateMessageHandler(handler));
    }

    /// <summary>
    /// Registers a per-message delegate: each message is handled on its own, and one that throws is reported as failed
    /// while the others succeed.
    /// </summary>
    public HandlerRegistry Register(string name, Func<Messaging.ReceivedMessage, CancellationToken, ValueTask> perMessage)
    {
        ArgumentNullException.ThrowIfNull(perMessage);
        return Register(name, new PerMessageHandler(perMessage));
    }

    /// <summary>Removes a handler; false when none had that name.</summary>
    public bool Unregister(string name) => handlers.TryRemove(name, out _);

    /// <summary>Finds a handler by name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out IMessageHandler? handler) => handlers.TryGetValue(name, out handler);

    /// <summary>Finds a handler by name; throws naming the registered ones when there is none.</summary>
    public IMessageHandler Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (handlers.TryGetValue(name, out var handler))
        {
            return handler;
        }

        var known = Names;
        throw new KeyNotFoundException(
            $"No C# handler named '{name}' is registered" + (known.Count == 0 ? "." : $"; registered: {string.Join(", ", known)}."));
    }
}
