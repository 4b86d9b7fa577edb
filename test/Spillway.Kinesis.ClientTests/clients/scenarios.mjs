// Kinesis scenarios driven through @aws-sdk/client-kinesis (AWS SDK for JavaScript v3: JSON 1.1 over HTTP/2, which on
// an http:// endpoint is h2c with prior knowledge; SubscribeToShard answers with an event stream over it).
//
//     node scenarios.mjs <scenario>
//
// Environment: KINESIS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Each scenario asserts as it
// goes and prints one JSON line of what it observed.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as Kinesis from "@aws-sdk/client-kinesis";

const kinesis = new Kinesis.KinesisClient({
  endpoint: process.env.KINESIS_ENDPOINT,
  region: process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
  maxAttempts: 1,
});
const observed = { client: "@aws-sdk/client-kinesis", errors: [] };

// Records what the SDK really speaks (its content type, and the stream type of the answer's body: ClientHttp2Stream when
// HTTP/2 carried it), for the calling test to check.
kinesis.middlewareStack.add((next) => async (args) => {
  observed.contentType = args.request.headers["content-type"];
  return next(args);
}, { step: "finalizeRequest" });
kinesis.middlewareStack.add((next) => async (args) => {
  const result = await next(args);
  observed.transport ??= result.response?.body?.constructor?.name;
  return result;
}, { step: "deserialize" });

const call = (name, input) => kinesis.send(new Kinesis[`${name}Command`](input));
const unique = (prefix) => `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const text = (bytes) => Buffer.from(bytes).toString("utf8");
const BINARY = new Uint8Array([...Array(256).keys(), 0, 255, 0xc3, 0x28]);
const UTF8 = new TextEncoder().encode("温度 21.5 °C ✓");

async function expectError(name, command, input) {
  try {
    await call(command, input);
  } catch (error) {
    assert.equal(error.name, name, `${command}: ${error}`);
    assert.ok(error.message, "an error without a message");
    observed.errors.push(error.name);
    return;
  }
  assert.fail(`${command} succeeded but should have failed with ${name}`);
}

const iterator = async (StreamName, ShardId, ShardIteratorType, extra = {}) =>
  (await call("GetShardIterator", { StreamName, ShardId, ShardIteratorType, ...extra })).ShardIterator;

async function streams() {
  const name = unique("admin");
  await call("CreateStream", { StreamName: name, ShardCount: 2 });
  await expectError("ResourceInUseException", "CreateStream", { StreamName: name, ShardCount: 2 });
  const { StreamDescription: description } = await call("DescribeStream", { StreamName: name });
  assert.ok(description.StreamCreationTimestamp instanceof Date);
  const arn = description.StreamARN;
  const summary = (await call("DescribeStreamSummary", { StreamARN: arn })).StreamDescriptionSummary;
  assert.equal(summary.OpenShardCount, 2);
  assert.ok((await call("ListStreams", {})).StreamNames.includes(name));
  await call("IncreaseStreamRetentionPeriod", { StreamName: name, RetentionPeriodHours: 48 });
  await call("DecreaseStreamRetentionPeriod", { StreamName: name, RetentionPeriodHours: 24 });
  await expectError("InvalidArgumentException", "DecreaseStreamRetentionPeriod", { StreamName: name, RetentionPeriodHours: 12 });
  await call("AddTagsToStream", { StreamName: name, Tags: { team: "iot", env: "dev" } });
  await call("RemoveTagsFromStream", { StreamName: name, TagKeys: ["env"] });
  assert.deepEqual((await call("ListTagsForStream", { StreamName: name })).Tags, [{ Key: "team", Value: "iot" }]);
  await call("TagResource", { ResourceARN: arn, Tags: { owner: "ops" } });
  assert.equal((await call("ListTagsForResource", { ResourceARN: arn })).Tags.length, 2);
  await call("SplitShard", { StreamName: name, ShardToSplit: "shardId-000000000000", NewStartingHashKey: (2n ** 126n).toString() });
  await call("MergeShards", { StreamName: name, ShardToMerge: "shardId-000000000002", AdjacentShardToMerge: "shardId-000000000003" });
  const latest = (await call("ListShards", { StreamName: name, ShardFilter: { Type: "AT_LATEST" } })).Shards.map((s) => s.ShardId);
  assert.deepEqual(latest, ["shardId-000000000001", "shardId-000000000004"]);
  await call("UpdateShardCount", { StreamName: name, TargetShardCount: 3, ScalingType: "UNIFORM_SCALING" });
  await call("UpdateStreamMode", { StreamARN: arn, StreamModeDetails: { StreamMode: "ON_DEMAND" } });
  await call("DeleteStream", { StreamName: name });
  await expectError("ResourceNotFoundException", "DescribeStream", { StreamName: name });
  return { arn, shards: latest };
}

async function records() {
  const name = unique("records");
  await call("CreateStream", { StreamName: name, ShardCount: 1 });
  const first = await call("PutRecord", { StreamName: name, PartitionKey: "device-1", Data: BINARY });
  const { ShardId: shard, SequenceNumber: seq } = first;
  await call("PutRecord", { StreamName: name, PartitionKey: "センサー", Data: UTF8 });
  const batch = await call("PutRecords", { StreamName: name, Records: ["a", "b", "c"].map((k) => ({ PartitionKey: k, Data: Buffer.from(k) })) });
  assert.equal(batch.FailedRecordCount, 0);
  const got = await call("GetRecords", { ShardIterator: await iterator(name, shard, "TRIM_HORIZON") });
  assert.deepEqual(Buffer.from(got.Records[0].Data), Buffer.from(BINARY));
  assert.deepEqual(Buffer.from(got.Records[1].Data), Buffer.from(UTF8));
  assert.equal(got.Records[1].PartitionKey, "センサー");
  assert.ok(got.Records[0].ApproximateArrivalTimestamp instanceof Date);
  const count = async (type, extra) => (await call("GetRecords", { ShardIterator: await iterator(name, shard, type, extra) })).Records.length;
  assert.equal(await count("AT_SEQUENCE_NUMBER", { StartingSequenceNumber: seq }), 5);
  assert.equal(await count("AFTER_SEQUENCE_NUMBER", { StartingSequenceNumber: seq }), 4);
  assert.equal(await count("AT_TIMESTAMP", { Timestamp: new Date(Date.now() - 60_000) }), 5);
  const latest = await iterator(name, shard, "LATEST");
  await call("PutRecord", { StreamName: name, PartitionKey: "a", Data: Buffer.from("later") });
  assert.deepEqual((await call("GetRecords", { ShardIterator: latest })).Records.map((r) => text(r.Data)), ["later"]);
  await expectError("InvalidArgumentException", "GetRecords", { ShardIterator: "bm90LWFuLWl0ZXJhdG9y" });
  await expectError("ResourceNotFoundException", "PutRecord", { StreamName: `${name}-missing`, PartitionKey: "k", Data: Buffer.from("x") });
  await call("DeleteStream", { StreamName: name });
  return { sequenceNumber: seq };
}

async function consumers() {
  const name = unique("efo");
  await call("CreateStream", { StreamName: name, ShardCount: 1 });
  const arn = (await call("DescribeStreamSummary", { StreamName: name })).StreamDescriptionSummary.StreamARN;
  const { Consumer: consumer } = await call("RegisterStreamConsumer", { StreamARN: arn, ConsumerName: "app" });
  assert.ok(consumer.ConsumerARN.startsWith(`${arn}/consumer/app:`));
  assert.equal((await call("DescribeStreamConsumer", { ConsumerARN: consumer.ConsumerARN })).ConsumerDescription.ConsumerStatus, "ACTIVE");
  assert.deepEqual((await call("ListStreamConsumers", { StreamARN: arn })).Consumers.map((c) => c.ConsumerName), ["app"]);
  const put = await call("PutRecord", { StreamName: name, PartitionKey: "k", Data: BINARY });

  // The subscription delivers what is there, then what is put while it is open.
  const subscription = await call("SubscribeToShard", {
    ConsumerARN: consumer.ConsumerARN, ShardId: put.ShardId, StartingPosition: { Type: "TRIM_HORIZON" },
  });
  const received = [];
  let continuation;
  for await (const event of subscription.EventStream) {
    const shardEvent = event.SubscribeToShardEvent;
    if (!shardEvent) continue;
    received.push(...shardEvent.Records.map((r) => Buffer.from(r.Data)));
    continuation = shardEvent.ContinuationSequenceNumber ?? continuation;
    if (received.length === 1) {
      await call("PutRecord", { StreamName: name, PartitionKey: "k", Data: UTF8 });
    }
    if (received.length >= 2) break;
  }
  assert.deepEqual(received, [Buffer.from(BINARY), Buffer.from(UTF8)]);
  assert.ok(continuation, "no ContinuationSequenceNumber");

  await call("DeregisterStreamConsumer", { ConsumerARN: consumer.ConsumerARN });
  await expectError("ResourceNotFoundException", "DescribeStreamConsumer", { ConsumerARN: consumer.ConsumerARN });
  await call("DeleteStream", { StreamName: name, EnforceConsumerDeletion: true });
  return { consumerArn: consumer.ConsumerARN, subscribed: received.length, continuation };
}

const scenarios = { streams, records, consumers };
const scenario = process.argv[2];
Object.assign(observed, await scenarios[scenario]());
kinesis.destroy();
console.log(JSON.stringify(observed));
console.log(`SCENARIO OK ${scenario}`);
