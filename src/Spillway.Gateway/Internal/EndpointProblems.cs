using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Spillway.Gateway.Reads;

namespace Spillway.Gateway.Internal;

/// <summary>
/// What an endpoint group answers when a request does not fit its endpoints, as a problem that says what is wrong
/// instead of ASP.NET's empty 400 and 405: for any group of the gateway's JSON endpoints (the read API, exports, the
/// queue admin).
/// </summary>
internal static class EndpointProblems
{
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>
    /// Turns a minimal-API binding failure (a route, query or header value that does not parse as its parameter's
    /// type, or a required one missing) into a 400 naming the parameter and what it must be. ASP.NET still runs the
    /// endpoint filters when binding failed, with the status already 400 and the handler skipped: that is how the
    /// filter knows.
    /// </summary>
    public static TBuilder WithParameterProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.AddEndpointFilterFactory(Create);

    /// <summary>
    /// Answers the methods <paramref name="pattern"/> has no endpoint for with a 405 that names the allowed ones (in
    /// its <c>Allow</c> header too), instead of routing's empty 405.
    /// </summary>
    public static void MapOtherMethods(this RouteGroupBuilder group, string pattern, params string[] allowed)
    {
        var allow = string.Join(", ", allowed);
        group.MapMethods(pattern, [.. Methods.Except(allowed, StringComparer.OrdinalIgnoreCase)], (HttpContext context) =>
        {
            context.Response.Headers.Allow = allow;
            return ReadProblem.MethodNotAllowed(context.Request.Method, allow);
        });
    }

    private static EndpointFilterDelegate Create(EndpointFilterFactoryContext factory, EndpointFilterDelegate next)
    {
        var parameters = factory.MethodInfo.GetParameters().Select(BoundParameter.From).OfType<BoundParameter>().ToArray();
        if (parameters.Length == 0)
        {
            return next;
        }

        return async invocation =>
        {
            var response = invocation.HttpContext.Response;
            if (response.StatusCode != StatusCodes.Status400BadRequest || response.HasStarted)
            {
                return await next(invocation).ConfigureAwait(false);
            }

            foreach (var parameter in parameters)
            {
                if (parameter.Problem(invocation.HttpContext.Request) is { } detail)
                {
                    return ReadProblem.BadParameter(parameter.Name, detail);
                }
            }

            return ReadProblem.BadParameter("$", "The request could not be read: a parameter or the body is not what the endpoint takes.");
        };
    }

    /// <summary>A handler parameter bound from one route value, query parameter or header, and how to parse it.</summary>
    private sealed class BoundParameter(string name, Source source, Type type, bool required)
    {
        public string Name => name;

        public static BoundParameter? From(ParameterInfo parameter)
        {
            var underlying = Nullable.GetUnderlyingType(parameter.ParameterType);
            var type = underlying ?? parameter.ParameterType;
            if (type != typeof(string) && !type.IsEnum && FindTryParse(type) is null)
            {
                // The context, services, bodies and the like: not a value of the request line or headers.
                return null;
            }

            var (source, name) = parameter.GetCustomAttribute<FromRouteAttribute>() is { } route ? (Source.Route, route.Name)
                : parameter.GetCustomAttribute<FromQueryAttribute>() is { } query ? (Source.Query, query.Name)
                : parameter.GetCustomAttribute<FromHeaderAttribute>() is { } header ? (Source.Header, header.Name)
                : (Source.RouteOrQuery, null);
            var nullable = underlying is not null || new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;
            return new BoundParameter(name ?? parameter.Name!, source, type, required: !nullable && !parameter.HasDefaultValue);
        }

        /// <summary>Why this parameter could not be bound from <paramref name="request"/>, or null when it can.</summary>
        public string? Problem(HttpRequest request)
        {
            var values = Values(request);
            if (StringValues.IsNullOrEmpty(values))
            {
                return required ? $"{name} is required." : null;
            }

            if (values.Count > 1 && type != typeof(string[]))
            {
                return $"{name} must be given once (got {values.Count} values).";
            }

            foreach (var value in values)
            {
                if (!TryParse(value))
                {
                    var shown = value is { Length: > 40 } ? value[..40] + "…" : value;
                    return $"{name} must be {Describe()} (got '{shown}').";
                }
            }

            return null;
        }

        private StringValues Values(HttpRequest request) => source switch
        {
            Source.Route => request.RouteValues[name]?.ToString(),
            Source.Query => request.Query[name],
            Source.Header => request.Headers[name],
            _ => request.RouteValues.TryGetValue(name, out var value) ? value?.ToString() : request.Query[name],
        };

        private bool TryParse(string? value)
        {
            if (type == typeof(string))
            {
                return true;
            }

            if (type.IsEnum)
            {
                return Enum.TryParse(type, value, ignoreCase: true, out _);
            }

            var arguments = new object?[] { value, CultureInfo.InvariantCulture, null };
            return FindTryParse(type) is { } method && (bool)method.Invoke(null, method.GetParameters().Length == 3 ? arguments : [value, null])!;
        }

        private string Describe()
        {
            if (type.IsEnum)
            {
                return "one of " + string.Join(", ", Enum.GetNames(type)).ToLowerInvariant();
            }

            return Type.GetTypeCode(type) switch
            {
                TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                    or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
                TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
                TypeCode.Boolean => "true or false",
                TypeCode.DateTime => "a date and time",
                _ when type == typeof(Guid) => "a GUID",
                _ when type == typeof(DateTimeOffset) => "a date and time",
                _ when type == typeof(TimeSpan) => "a duration such as 00:05:00",
                _ => "a valid " + type.Name,
            };
        }

        /// <summary>The static TryParse minimal APIs bind with: (string, IFormatProvider, out T) or (string, out T).</summary>
        private static MethodInfo? FindTryParse(Type type)
            => type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()])
                ?? type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), type.MakeByRefType()]);
    }

    private enum Source
    {
        RouteOrQuery,
        Route,
        Query,
        Header,
    }
}
