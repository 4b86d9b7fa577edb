using System.Net;

namespace Spillway.Kinesis.Tests;

/// <summary>Bad input gets Kinesis's 400 with a message naming the problem, never a 500, and writes nothing.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private KinesisTestServer server = null!;

    public async Task InitializeAsync()
    {
        server = await KinesisTestServer.StartAsync();
        await server.CreateStreamAsync("s");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "DescribeStream", """{"StreamName":"missing"}""", "ResourceNotFoundException" },
        { "DescribeStream", """{"StreamName":"bad name!"}""", "ValidationException" },
        { "DescribeStream", "{}", "InvalidArgumentException" },
        { "DescribeStream", """{"StreamName":"s","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/other"}""", "InvalidArgumentException" },
        { "DescribeStream", """{"StreamARN":"arn:aws:sqs:us-east-1:000000000000:s"}""", "ValidationException" },
        { "CreateStream", """{"StreamName":"p"}""", "InvalidArgumentException" },
        { "CreateStream", """{"StreamName":"p","ShardCount":0}""", "ValidationException" },
        { "CreateStream", """{"StreamName":"p","ShardCount":501}""", "LimitExceededException" },
        { "CreateStream", """{"StreamName":"p","ShardCount":"1"}""", "ValidationException" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"k"}""", "ValidationException" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"k","Data":"%%%"}""", "ValidationException" },
        { "PutRecord", """{"StreamName":"s","PartitionKey":"k","Data":"AA==","ExplicitHashKey":"340282366920938463463374607431768211456"}""", "ValidationException" },
        { "PutRecords", """{"StreamName":"s","Records":[]}""", "ValidationException" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"shardId-000000000009","ShardIteratorType":"LATEST"}""", "ResourceNotFoundException" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"SOMEWHERE"}""", "ValidationException" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER"}""", "InvalidArgumentException" },
        { "GetShardIterator", """{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP"}""", "InvalidArgumentException" },
        { "GetRecords", """{"ShardIterator":"bm90IGFuIGl0ZXJhdG9y"}""", "InvalidArgumentException" },
        { "SplitShard", """{"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"-1"}""", "ValidationException" },
        { "MergeShards", """{"StreamName":"s","ShardToMerge":"shardId-000000000000","AdjacentShardToMerge":"shardId-000000000007"}""", "ResourceNotFoundException" },
        { "UpdateStreamMode", """{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","StreamModeDetails":{"StreamMode":"FAST"}}""", "ValidationException" },
        { "DescribeStreamConsumer", """{"ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/x:1"}""", "ResourceNotFoundException" },
        { "FlyToTheMoon", "{}", "UnknownOperationException" },
        { "ListStreams", "{not json", "SerializationException" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_request_is_refused_with_Kinesis_error(string action, string body, string type)
    {
        var answer = await server.JsonAsync(action, body);

        answer.AssertError(type);
    }

    [Fact]
    public async Task Oversized_record_is_refused_and_nothing_is_written()
    {
        var data = Convert.ToBase64String(new byte[(1024 * 1024) - 1]);

        var answer = await server.JsonAsync("PutRecord", new { StreamName = "s", PartitionKey = "ab", Data = data });

        answer.AssertError("ValidationException");
        var read = await server.JsonAsync("GetRecords", new { ShardIterator = await server.IteratorAsync("s", "shardId-000000000000", "TRIM_HORIZON") });
        Assert.Equal(0, read.Body.GetProperty("Records").GetArrayLength());
    }

    [Fact]
    public async Task Record_of_exactly_one_MiB_with_its_key_is_taken()
    {
        var data = Convert.ToBase64String(new byte[(1024 * 1024) - 2]);

        var answer = await server.JsonAsync("PutRecord", new { StreamName = "s", PartitionKey = "ab", Data = data });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }
}
