using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>The Firehose API over raw JSON 1.1, and producers that put batches until the server dies.</summary>
internal static class FirehoseLoad
{
    public static Task<HttpResponseMessage> CallAsync(SpillwayProcess server, string action, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Add("X-Amz-Target", "Firehose_20150804." + action);
        return server.Client.SendAsync(request);
    }

    /// <summary>
    /// Eight producers put batches of twenty records (<paramref name="record"/> of cycle, producer, batch and index) into
    /// <paramref name="stream"/> until the server is gone; the server is SIGKILLed after <paramref name="killAfter"/>
    /// acknowledged batches. Every record is in <paramref name="attempted"/>, the acknowledged ones in <paramref name="acknowledged"/>.
    /// </summary>
    public static async Task PutUntilKilledAsync(
        SpillwayProcess server,
        string stream,
        int cycle,
        int killAfter,
        Func<string, string> record,
        ConcurrentDictionary<string, bool> attempted,
        ConcurrentDictionary<string, bool> acknowledged)
    {
        await KillDuringLoad.RunAsync(server, 8, killAfter, async (client, i) =>
        {
            var records = Enumerable.Range(0, 20).Select(j => $"c{cycle}-{client}-{i}-{j}").ToList();
            records.ForEach(r => attempted[r] = true);
            using var response = await CallAsync(server, "PutRecordBatch", new
            {
                DeliveryStreamName = stream,
                Records = records.Select(r => new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(record(r))) }),
            });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return SendOutcome.Stop;
            }

            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(0, answer.RootElement.GetProperty("FailedPutCount").GetInt32());
            records.ForEach(r => acknowledged[r] = true);
            return SendOutcome.Acknowledged;
        });
    }
}
