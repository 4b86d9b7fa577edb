using System.Net;
using System.Xml.Linq;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>Calls of a server's SNS API in the query protocol, as the aws CLI sends them (unsigned: the server runs
/// with <see cref="SpillwayProcess.AnySignature"/> or on loopback without credentials).</summary>
internal static class SnsQuery
{
    private static readonly XNamespace Sns = "http://sns.amazonaws.com/doc/2010-03-31/";

    /// <summary>Sends the action and answers the response, whatever its status.</summary>
    public static async Task<HttpResponseMessage> SendAsync(SpillwayProcess server, string action, params (string Key, string Value)[] parameters)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", "2010-03-31") };
        form.AddRange(parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        using var content = new FormUrlEncodedContent(form);
        return await server.Client.PostAsync("/", content);
    }

    /// <summary>Sends the action, asserts a 200 and answers the parsed XML.</summary>
    public static async Task<XDocument> CallAsync(SpillwayProcess server, string action, params (string Key, string Value)[] parameters)
    {
        using var response = await SendAsync(server, action, parameters);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return XDocument.Parse(text);
    }

    /// <summary>The first element of that name in an answer.</summary>
    public static string Value(XDocument answer, string name) => answer.Descendants(Sns + name).First().Value;
}
