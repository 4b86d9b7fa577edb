// Firehose scenarios driven through @aws-sdk/client-firehose (AWS SDK for JavaScript v3: JSON 1.1), reading the
// delivered files through @aws-sdk/client-s3 (path-style addressing).
//
//     node scenarios.mjs <scenario>
//
// Environment: FIREHOSE_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Each scenario asserts as it
// goes and prints one JSON line of what it observed.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import * as Firehose from "@aws-sdk/client-firehose";
import * as S3 from "@aws-sdk/client-s3";

const endpoint = process.env.FIREHOSE_ENDPOINT;
const settings = {
  endpoint,
  region: process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
  maxAttempts: 1,
};
const firehose = new Firehose.FirehoseClient(settings);
const s3 = new S3.S3Client({ ...settings, forcePathStyle: true });
const observed = { client: "@aws-sdk/client-firehose", errors: [] };
const ROLE = "arn:aws:iam::000000000000:role/firehose";
const DESTINATION = "destinationId-000000000001";

const call = (name, input) => firehose.send(new Firehose[`${name}Command`](input));
const objects = (name, input) => s3.send(new S3[`${name}Command`](input));
const unique = (prefix) => `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const bytes = (text) => new TextEncoder().encode(text);

async function expectError(name, command, input) {
  try {
    await call(command, input);
  } catch (error) {
    assert.equal(error.name, name, `${command}: ${error}`);
    assert.ok(error.message, "an error without a message");
    observed.errors.push(error.name);
    return error.message;
  }
  assert.fail(`${command} succeeded but should have failed with ${name}`);
}

// Spillway's admin endpoint: deliver what is buffered now, whatever the hints say.
async function flush(name) {
  const answer = await fetch(`${endpoint}/v1/delivery-streams/${name}/flush`, { method: "POST" });
  assert.equal(answer.status, 200);
  return (await answer.json()).files;
}

async function read(bucket, key) {
  const { Body } = await objects("GetObject", { Bucket: bucket, Key: key });
  return Buffer.from(await Body.transformToByteArray());
}

async function administration() {
  const name = unique("admin");
  const bucket = unique("lake");
  const { DeliveryStreamARN } = await call("CreateDeliveryStream", {
    DeliveryStreamName: name, DeliveryStreamType: "DirectPut",
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`, Prefix: "raw/",
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }, CompressionFormat: "GZIP",
    },
    Tags: [{ Key: "team", Value: "data" }],
  });
  assert.equal(DeliveryStreamARN, `arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`);
  let { DeliveryStreamDescription: description } = await call("DescribeDeliveryStream", { DeliveryStreamName: name });
  assert.equal(description.DeliveryStreamStatus, "ACTIVE");
  assert.equal(description.VersionId, "1");
  const destination = description.Destinations[0].ExtendedS3DestinationDescription;
  assert.deepEqual(destination.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 60 });
  assert.equal(destination.CompressionFormat, "GZIP");
  assert.ok((await call("ListDeliveryStreams", { Limit: 10000 })).DeliveryStreamNames.includes(name));
  await expectError("ResourceInUseException", "CreateDeliveryStream", {
    DeliveryStreamName: name, ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}` },
  });

  await call("TagDeliveryStream", { DeliveryStreamName: name, Tags: [{ Key: "env", Value: "dev" }] });
  assert.deepEqual((await call("ListTagsForDeliveryStream", { DeliveryStreamName: name })).Tags,
    [{ Key: "env", Value: "dev" }, { Key: "team", Value: "data" }]);
  await call("UntagDeliveryStream", { DeliveryStreamName: name, TagKeys: ["env"] });
  assert.deepEqual((await call("ListTagsForDeliveryStream", { DeliveryStreamName: name })).Tags, [{ Key: "team", Value: "data" }]);

  await call("UpdateDestination", {
    DeliveryStreamName: name, CurrentDeliveryStreamVersionId: "1", DestinationId: DESTINATION,
    ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 120 } },
  });
  ({ DeliveryStreamDescription: description } = await call("DescribeDeliveryStream", { DeliveryStreamName: name }));
  assert.deepEqual(description.Destinations[0].ExtendedS3DestinationDescription.BufferingHints, { SizeInMBs: 2, IntervalInSeconds: 120 });
  await expectError("ConcurrentModificationException", "UpdateDestination", {
    DeliveryStreamName: name, CurrentDeliveryStreamVersionId: "1", DestinationId: DESTINATION,
    ExtendedS3DestinationUpdate: { Prefix: "other/" },
  });
  await expectError("InvalidArgumentException", "CreateDeliveryStream", {
    DeliveryStreamName: unique("bad"),
    ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`, Prefix: "a/!{timestamp:yyyy}/" },
  });
  await call("DeleteDeliveryStream", { DeliveryStreamName: name });
  await expectError("ResourceNotFoundException", "DescribeDeliveryStream", { DeliveryStreamName: name });
  assert.ok(!(await call("ListDeliveryStreams", { Limit: 10000 })).DeliveryStreamNames.includes(name));
  return { version: description.VersionId };
}

async function delivery() {
  const name = unique("readings");
  const bucket = unique("lake");
  await call("CreateDeliveryStream", {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`, Prefix: "readings/",
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, CompressionFormat: "GZIP",
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: "AppendDelimiterToRecord" }] },
    },
  });
  const { RecordId: first } = await call("PutRecord", { DeliveryStreamName: name, Record: { Data: bytes('{"n":0}') } });
  const batch = await call("PutRecordBatch", {
    DeliveryStreamName: name, Records: [1, 2, 3, 4, 5].map((n) => ({ Data: bytes(JSON.stringify({ n })) })),
  });
  assert.equal(batch.FailedPutCount, 0);
  assert.equal(new Set([first, ...batch.RequestResponses.map((r) => r.RecordId)]).size, 6);
  const files = await flush(name);
  assert.equal(files.length, 1);
  const key = files[0];
  const { Contents } = await objects("ListObjectsV2", { Bucket: bucket, Prefix: "readings/" });
  assert.deepEqual(Contents.map((o) => o.Key), [key]);
  const lines = gunzipSync(await read(bucket, key)).toString().split("\n").filter((l) => l.length > 0);
  assert.deepEqual(lines.map((l) => JSON.parse(l).n), [0, 1, 2, 3, 4, 5]);
  await call("DeleteDeliveryStream", { DeliveryStreamName: name });
  return { lines: lines.length, key };
}

async function partitioning() {
  const name = unique("orders");
  const bucket = unique("lake");
  await call("CreateDeliveryStream", {
    DeliveryStreamName: name,
    ExtendedS3DestinationConfiguration: {
      RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`,
      Prefix: "customer=!{partitionKeyFromQuery:customer}/", ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 900 },
      DynamicPartitioningConfiguration: { Enabled: true },
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          { Type: "MetadataExtraction", Parameters: [
            { ParameterName: "MetadataExtractionQuery", ParameterValue: "{customer:.customer}" },
            { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.6" }] },
          { Type: "AppendDelimiterToRecord" },
        ],
      },
    },
  });
  const records = ['{"customer":"a","n":1}', '{"customer":"b","n":2}', '{"customer":"a","n":3}', "not json"];
  const answer = await call("PutRecordBatch", { DeliveryStreamName: name, Records: records.map((r) => ({ Data: bytes(r) })) });
  assert.equal(answer.FailedPutCount, 0);
  assert.equal((await flush(name)).length, 3);
  const { CommonPrefixes } = await objects("ListObjectsV2", { Bucket: bucket, Delimiter: "/" });
  const a = (await objects("ListObjectsV2", { Bucket: bucket, Prefix: "customer=a/" })).Contents.map((o) => o.Key);
  assert.equal(a.length, 1);
  assert.equal((await read(bucket, a[0])).toString(), '{"customer":"a","n":1}\n{"customer":"a","n":3}\n');
  const errors = (await objects("ListObjectsV2", { Bucket: bucket, Prefix: "errors/partitioning-failed/" })).Contents;
  assert.equal(errors.length, 1);
  await call("DeleteDeliveryStream", { DeliveryStreamName: name });
  return { prefixes: CommonPrefixes.map((p) => p.Prefix).sort() };
}

const scenarios = { administration, delivery, partitioning };
const scenario = process.argv[2];
Object.assign(observed, await scenarios[scenario]());
firehose.destroy();
s3.destroy();
console.log(JSON.stringify(observed));
console.log(`SCENARIO OK ${scenario}`);
