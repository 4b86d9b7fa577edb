using System.Text;
using System.Text.Json;
using Spillway.Objects.Events;

namespace Spillway.Objects.Tests;

public sealed class ObjectEventTests : StoreFixture
{
    private static readonly ObjectEventRule Csv = new()
    {
        Id = "csv", Target = ObjectEventTarget.Queue, TargetArn = "arn:aws:sqs:us-east-1:000000000000:files",
        Events = ["s3:ObjectCreated:*"], Prefix = "in/", Suffix = ".csv",
    };

    [Fact]
    public async Task Puts_uploads_and_deletes_send_s3_events_to_the_rules_that_match_them_after_the_change_is_durable()
    {
        var publisher = new RecordingPublisher();
        var store = new NotifyingObjectStore(Store, publisher, "eu-west-1", Clock);
        await store.CreateBucketAsync("uploads");
        var removals = new ObjectEventRule
        {
            Id = "gone", Target = ObjectEventTarget.Topic, TargetArn = "arn:aws:sns:us-east-1:000000000000:removed", Events = ["s3:ObjectRemoved:Delete"],
        };
        await store.PutNotificationsAsync("uploads", [Csv, removals]);
        Assert.Equal(["csv:s3:TestEvent", "gone:s3:TestEvent"], publisher.Sent.Select(s => $"{s.Rule}:{s.Event.GetProperty("Event").GetString()}"));
        publisher.Sent.Clear();

        await Put(store, "in/a b.csv", "1,2\n");
        await Put(store, "in/a.txt", "skipped");
        await Put(store, "out/a.csv", "skipped");
        var upload = await store.StartUploadAsync("uploads", "in/big.csv");
        var part = await store.PutPartAsync("uploads", "in/big.csv", upload, 1, (s, c) => s.WriteAsync("x,y\n"u8.ToArray(), c).AsTask());
        await store.CompleteUploadAsync("uploads", "in/big.csv", upload, [new PartReference(1, part.ETag)]);
        Assert.True(await store.DeleteAsync("uploads", "in/a.txt"));
        Assert.False(await store.DeleteAsync("uploads", "in/never"));

        Assert.Equal(
            ["csv:ObjectCreated:Put:in/a+b.csv:4", "csv:ObjectCreated:CompleteMultipartUpload:in/big.csv:4", "gone:ObjectRemoved:Delete:in/a.txt:"],
            publisher.Sent.Select(s =>
            {
                var record = s.Event.GetProperty("Records")[0];
                var o = record.GetProperty("s3").GetProperty("object");
                return $"{s.Rule}:{record.GetProperty("eventName").GetString()}:{o.GetProperty("key").GetString()}:" +
                    (o.TryGetProperty("size", out var size) ? size.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
            }));
        var first = publisher.Sent[0].Event.GetProperty("Records")[0];
        Assert.Equal("eu-west-1", first.GetProperty("awsRegion").GetString());
        Assert.Equal("2.1", first.GetProperty("eventVersion").GetString());
        Assert.Equal("arn:aws:s3:::uploads", first.GetProperty("s3").GetProperty("bucket").GetProperty("arn").GetString());
    }

    [Fact]
    public async Task Notifications_survive_a_reopen_and_a_failed_destination_fails_the_put_so_the_client_retries()
    {
        await Store.CreateBucketAsync("uploads");
        await Store.PutNotificationsAsync("uploads", [Csv]);
        Reopen();
        Assert.Equal([Csv with { Events = ["s3:ObjectCreated:*"] }], await Store.GetNotificationsAsync("uploads"), RuleComparer.Instance);

        var publisher = new RecordingPublisher { Failing = true };
        var store = new NotifyingObjectStore(Store, publisher, "us-east-1", Clock);
        await Assert.ThrowsAsync<IOException>(() => Put(store, "in/x.csv", "1"));
    }

    [Fact]
    public async Task Configurations_s3_refuses_are_refused_and_change_nothing()
    {
        var store = new NotifyingObjectStore(Store, new RecordingPublisher { Missing = "arn:aws:sqs:us-east-1:000000000000:nope" }, "us-east-1", Clock);
        await store.CreateBucketAsync("uploads");
        await store.PutNotificationsAsync("uploads", [Csv]);

        var refusals = new[]
        {
            [Csv, Csv with { Id = "other", Events = ["s3:ObjectCreated:Put"], Prefix = "in/deeper/" }],
            [Csv with { Events = ["s3:ObjectRestore:Completed"] }],
            [Csv with { Events = [] }],
            [Csv, Csv],
            new[] { Csv with { TargetArn = "arn:aws:sqs:us-east-1:000000000000:nope" } },
        };
        foreach (var rules in refusals)
        {
            var refused = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutNotificationsAsync("uploads", rules));
            Assert.Equal(ObjectError.InvalidArgument, refused.Error);
        }

        // Other prefixes, or other event types, do not overlap.
        await store.PutNotificationsAsync("uploads", [Csv, Csv with { Id = "b", Prefix = "archive/" }, Csv with { Id = "c", Events = ["s3:ObjectRemoved:*"] }]);
        Assert.Equal(3, (await store.GetNotificationsAsync("uploads")).Count);
    }

    private static Task Put(IObjectStore store, string key, string body) =>
        store.PutAsync("uploads", key, (s, c) => s.WriteAsync(Encoding.UTF8.GetBytes(body), c).AsTask());

    private sealed class RecordingPublisher : IObjectEventPublisher
    {
        public List<(string Rule, JsonElement Event)> Sent { get; } = [];

        public bool Failing { get; init; }

        public string? Missing { get; init; }

        public void CheckTarget(ObjectEventRule rule)
        {
            if (rule.TargetArn == Missing)
            {
                throw new ObjectStoreException(ObjectError.InvalidArgument, "Unable to validate the following destination configurations");
            }
        }

        public Task PublishAsync(ObjectEventRule rule, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            if (Failing)
            {
                throw new IOException("the queue's disk failed");
            }

            Sent.Add((rule.Id, JsonDocument.Parse(message).RootElement.Clone()));
            return Task.CompletedTask;
        }
    }

    private sealed class RuleComparer : IEqualityComparer<ObjectEventRule>
    {
        public static readonly RuleComparer Instance = new();

        public bool Equals(ObjectEventRule? x, ObjectEventRule? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Target == y.Target && x.TargetArn == y.TargetArn
            && x.Events.SequenceEqual(y.Events) && x.Prefix == y.Prefix && x.Suffix == y.Suffix;

        public int GetHashCode(ObjectEventRule obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
