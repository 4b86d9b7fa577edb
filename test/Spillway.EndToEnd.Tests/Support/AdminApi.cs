using System.Net.Http.Json;
using System.Text.Json;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>Reads a running server's admin API, with whatever key the server's client carries.</summary>
public static class AdminApi
{
    /// <summary>A queue's visible count from <c>GET /v1/queues</c>.</summary>
    public static async Task<long> VisibleAsync(SpillwayProcess server, string queue)
    {
        var list = await server.Client.GetFromJsonAsync<JsonElement>(new Uri("/v1/queues", UriKind.Relative));
        return list.GetProperty("queues").EnumerateArray()
            .Single(q => q.GetProperty("name").GetString() == queue)
            .GetProperty("visible").GetInt64();
    }
}
