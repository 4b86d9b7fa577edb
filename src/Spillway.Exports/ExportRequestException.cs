namespace Spillway.Exports;

/// <summary>An export request is invalid; <see cref="Parameter"/> names the part at fault (for a 400 answer).</summary>
public sealed class ExportRequestException(string parameter, string message) : Exception(message)
{
    /// <summary>The request member at fault, e.g. <c>table</c>, <c>filters.created_at.gte</c>, <c>notify.webhook</c>.</summary>
    public string Parameter { get; } = parameter;
}
