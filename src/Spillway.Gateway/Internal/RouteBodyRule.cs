using Spillway.Messaging;

namespace Spillway.Gateway.Internal;

/// <summary>A route's validation of one record, for a message body that reaches the route's queue another way.</summary>
internal sealed class RouteBodyRule(string path, RecordValidator validator) : IMessageBodyRule
{
    public string? Check(ReadOnlySpan<byte> body)
    {
        if (validator.ValidateOne(body) is not { } problem)
        {
            return null;
        }

        // Field errors name their field; a problem with the body as a whole says what it is in its title and detail.
        var reason = problem.Errors is { } errors && errors.Keys.All(key => key != "$")
            ? string.Join("; ", errors.Select(error => $"field '{error.Key}' {error.Value[0]}"))
            : $"{problem.Title} {problem.Detail}";
        return $"The body does not match route {path}: {reason}";
    }
}
