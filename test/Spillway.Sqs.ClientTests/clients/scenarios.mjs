// SQS scenarios driven through @aws-sdk/client-sqs (AWS SDK for JavaScript v3: the JSON 1.0 protocol).
//
//     node scenarios.mjs <scenario>
//
// Environment as for scenarios.py. The SDK checks MD5OfMessageBody on SendMessage, SendMessageBatch and ReceiveMessage
// itself and throws on a mismatch. Each scenario asserts as it goes and prints one JSON line of what it observed.
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import * as Sqs from "@aws-sdk/client-sqs";

const endpoint = process.env.SQS_ENDPOINT;
const region = process.env.AWS_DEFAULT_REGION ?? "us-east-1";

function client(accessKeyId = process.env.AWS_ACCESS_KEY_ID, secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY) {
  return new Sqs.SQSClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
}

const sqs = client();
const observed = { client: "@aws-sdk/client-sqs" };
const call = (name, input, via = sqs) => via.send(new Sqs[`${name}Command`](input));
const unique = (prefix) => `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const md5 = (text) => createHash("md5").update(text, "utf8").digest("hex");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectError(expected, name, input, via = sqs) {
  try {
    await call(name, input, via);
  } catch (error) {
    // JSON errors carry the shape name (__type); query-compatible clients also read the legacy code from the
    // x-amzn-query-error header into error.Code.
    const codes = [error.name, error.Code].filter(Boolean);
    assert.ok(codes.some((c) => expected.includes(c)), `${name}: expected one of ${expected}, got ${codes} (${error.message})`);
    (observed.errors ??= []).push(codes.join("|"));
    return codes;
  }
  assert.fail(`${name} succeeded but should have failed`);
}

async function create(prefix, attributes = {}, fifo = false) {
  const name = unique(prefix) + (fifo ? ".fifo" : "");
  const { QueueUrl } = await call("CreateQueue", { QueueName: name, Attributes: fifo ? { ...attributes, FifoQueue: "true" } : attributes });
  return QueueUrl;
}

async function receiveAll(url, count, { tries = 20, remove = true, ...extra } = {}) {
  const messages = [];
  for (let i = 0; i < tries && messages.length < count; i++) {
    const { Messages = [] } = await call("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, ...extra });
    messages.push(...Messages);
    if (remove && Messages.length > 0) {
      const entries = Messages.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle }));
      const deleted = await call("DeleteMessageBatch", { QueueUrl: url, Entries: entries });
      assert.equal(deleted.Successful.length, Messages.length);
    }
  }
  return messages;
}

async function approximate(url, attribute = "ApproximateNumberOfMessages") {
  const { Attributes } = await call("GetQueueAttributes", { QueueUrl: url, AttributeNames: [attribute] });
  return Number(Attributes[attribute]);
}

const scenarios = {
  async seed() {
    const { QueueUrl } = await call("GetQueueUrl", { QueueName: "submit" });
    const name = process.env.SEED_NAME;
    const body = JSON.stringify({ name, email: `${name}@example.com` });
    const sent = await call("SendMessage", { QueueUrl, MessageBody: body });
    assert.equal(sent.MD5OfMessageBody, md5(body));
    Object.assign(observed, { queueUrl: QueueUrl, messageId: sent.MessageId });
  },

  async lifecycle() {
    const name = unique("life");
    const { QueueUrl: url } = await call("CreateQueue", { QueueName: name, Attributes: { VisibilityTimeout: "45" } });
    assert.ok(url.endsWith(`/${name}`), url);
    assert.equal((await call("CreateQueue", { QueueName: name, Attributes: { VisibilityTimeout: "45" } })).QueueUrl, url);
    await expectError(["QueueAlreadyExists", "QueueNameExists"], "CreateQueue", { QueueName: name, Attributes: { VisibilityTimeout: "46" } });
    assert.equal((await call("GetQueueUrl", { QueueName: name })).QueueUrl, url);
    assert.ok((await call("ListQueues", { QueueNamePrefix: name })).QueueUrls.includes(url));
    const { Attributes } = await call("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] });
    assert.equal(Attributes.VisibilityTimeout, "45");
    assert.match(Attributes.QueueArn, new RegExp(`^arn:aws:sqs:[^:]+:[0-9]+:${name}$`));
    await call("SetQueueAttributes", { QueueUrl: url, Attributes: { VisibilityTimeout: "10", DelaySeconds: "3" } });
    const changed = await call("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["VisibilityTimeout", "DelaySeconds"] });
    assert.deepEqual(changed.Attributes, { VisibilityTimeout: "10", DelaySeconds: "3" });
    await call("DeleteQueue", { QueueUrl: url });
    await expectError(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"], "GetQueueUrl", { QueueName: name });
    Object.assign(observed, { queueUrl: url, arn: Attributes.QueueArn });
  },

  async messages() {
    const url = await create("msg");
    const sent = await call("SendMessage", { QueueUrl: url, MessageBody: "hello" });
    const [single] = await receiveAll(url, 1, { remove: false });
    assert.equal(single.Body, "hello");
    assert.equal(single.MessageId, sent.MessageId);
    await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: single.ReceiptHandle });
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `batch ${i} ✓` }));
    const batch = await call("SendMessageBatch", { QueueUrl: url, Entries: entries });
    assert.equal(batch.Successful.length, 10);
    assert.ok(!batch.Failed?.length);
    const received = await receiveAll(url, 10);
    assert.deepEqual(received.map((m) => m.Body).sort(), entries.map((e) => e.MessageBody).sort());
    assert.equal(await approximate(url), 0);
    Object.assign(observed, { single: 1, batch: received.length });
  },

  async visibility() {
    const url = await create("vis");
    await call("SendMessage", { QueueUrl: url, MessageBody: "again" });
    const receive = () => call("ReceiveMessage", { QueueUrl: url, VisibilityTimeout: 60, WaitTimeSeconds: 5, AttributeNames: ["All"] });
    const [first] = (await receive()).Messages;
    assert.equal(first.Attributes.ApproximateReceiveCount, "1");
    assert.equal((await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 0 })).Messages, undefined);
    await call("ChangeMessageVisibility", { QueueUrl: url, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 });
    const [second] = (await receive()).Messages;
    assert.equal(second.MessageId, first.MessageId);
    assert.equal(second.Attributes.ApproximateReceiveCount, "2");
    const changed = await call("ChangeMessageVisibilityBatch", {
      QueueUrl: url,
      Entries: [
        { Id: "ok", ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 0 },
        { Id: "bad", ReceiptHandle: "not-a-receipt-handle", VisibilityTimeout: 0 },
      ],
    });
    assert.deepEqual(changed.Successful.map((e) => e.Id), ["ok"]);
    assert.deepEqual(changed.Failed.map((e) => e.Code), ["ReceiptHandleIsInvalid"]);
    const [third] = (await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 5 })).Messages;
    assert.equal(third.MessageId, first.MessageId);
    Object.assign(observed, { receiveCount: second.Attributes.ApproximateReceiveCount });
  },

  async long_polling() {
    const url = await create("poll");
    let started = performance.now();
    const empty = await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 1 });
    const waited = (performance.now() - started) / 1000;
    assert.ok(!empty.Messages && waited >= 0.9, `empty long poll returned after ${waited}s`);

    let returnedAt = 0;
    const poll = call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 20 }).then((r) => { returnedAt = performance.now(); return r; });
    // Gives the poll time to reach the server; if the send won the race the poll would still get the message.
    await sleep(1000);
    const sentAt = performance.now();
    await call("SendMessage", { QueueUrl: url, MessageBody: "wake up" });
    const response = await poll;
    assert.equal(response.Messages[0].Body, "wake up");
    const latency = (returnedAt - sentAt) / 1000;
    assert.ok(latency < 3, `long poll returned ${latency}s after the send`);
    Object.assign(observed, { emptyWaitSeconds: waited, wakeSeconds: latency });
  },

  async delays() {
    const url = await create("delay");
    const sentAt = performance.now();
    await call("SendMessage", { QueueUrl: url, MessageBody: "later", DelaySeconds: 2 });
    assert.equal((await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 0 })).Messages, undefined);
    assert.equal(await approximate(url, "ApproximateNumberOfMessagesDelayed"), 1);
    const [message] = (await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 10 })).Messages;
    const delay = (performance.now() - sentAt) / 1000;
    assert.equal(message.Body, "later");
    assert.ok(delay >= 1.5, `delivered after ${delay}s`);
    Object.assign(observed, { delaySeconds: delay });
  },

  async fifo() {
    const url = await create("order", {}, true);
    const sequence = [];
    for (let i = 0; i < 5; i++) {
      const sent = await call("SendMessage", { QueueUrl: url, MessageBody: `a${i}`, MessageGroupId: "A", MessageDeduplicationId: `a${i}` });
      sequence.push(BigInt(sent.SequenceNumber));
    }
    assert.deepEqual([...sequence].sort((x, y) => (x < y ? -1 : 1)), sequence);
    await call("SendMessage", { QueueUrl: url, MessageBody: "a0 again", MessageGroupId: "A", MessageDeduplicationId: "a0" });
    await call("SendMessageBatch", {
      QueueUrl: url,
      Entries: [0, 1, 2].map((i) => ({ Id: `b${i}`, MessageBody: `b${i}`, MessageGroupId: "B", MessageDeduplicationId: `b${i}` })),
    });
    await expectError(["MissingParameter"], "SendMessage", { QueueUrl: url, MessageBody: "no group", MessageDeduplicationId: "x" });
    const received = (await receiveAll(url, 8)).map((m) => m.Body);
    assert.deepEqual(received.filter((b) => b.startsWith("a")), ["a0", "a1", "a2", "a3", "a4"]);
    assert.deepEqual(received.filter((b) => b.startsWith("b")), ["b0", "b1", "b2"]);
    const content = await create("content", { ContentBasedDeduplication: "true" }, true);
    for (let i = 0; i < 2; i++) await call("SendMessage", { QueueUrl: content, MessageBody: "same body", MessageGroupId: "G" });
    assert.deepEqual((await receiveAll(content, 2, { tries: 3 })).map((m) => m.Body), ["same body"]);
    Object.assign(observed, { order: received });
  },

  async dead_letters() {
    const dlq = await create("dlq");
    const dlqArn = (await call("GetQueueAttributes", { QueueUrl: dlq, AttributeNames: ["QueueArn"] })).Attributes.QueueArn;
    const source = await create("src", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: "1" }) });
    await call("SendMessage", { QueueUrl: source, MessageBody: "poison" });
    const [first] = (await call("ReceiveMessage", { QueueUrl: source, VisibilityTimeout: 0, WaitTimeSeconds: 5 })).Messages;
    assert.equal(first.Body, "poison");
    assert.equal((await call("ReceiveMessage", { QueueUrl: source, WaitTimeSeconds: 1 })).Messages, undefined);
    const deadline = performance.now() + 10_000;
    while ((await approximate(dlq)) !== 1) {
      assert.ok(performance.now() < deadline, "the message never reached the dead-letter queue");
      await sleep(100);
    }
    assert.ok((await call("ListDeadLetterSourceQueues", { QueueUrl: dlq })).queueUrls.includes(source));
    const { TaskHandle } = await call("StartMessageMoveTask", { SourceArn: dlqArn });
    assert.ok(TaskHandle);
    await expectError(["UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "ResourceNotFoundException"],
      "CancelMessageMoveTask", { TaskHandle: "not-a-task-handle" });
    let task;
    const moveDeadline = performance.now() + 20_000;
    for (;;) {
      [task] = (await call("ListMessageMoveTasks", { SourceArn: dlqArn })).Results;
      if (task.Status === "COMPLETED") break;
      assert.ok(task.Status === "RUNNING" && performance.now() < moveDeadline, `move task status ${task.Status}`);
      await sleep(200);
    }
    assert.equal(task.ApproximateNumberOfMessagesMoved, 1);
    const [back] = (await call("ReceiveMessage", { QueueUrl: source, WaitTimeSeconds: 5 })).Messages;
    assert.equal(back.Body, "poison");
    Object.assign(observed, { deadLetterArn: dlqArn, moveStatus: task.Status });
  },

  async attributes() {
    const url = await create("attrs");
    const MessageAttributes = {
      attribName1: { DataType: "String", StringValue: "attribValue 1" },
      customNumberTypeAttrib: { DataType: "Number.float", StringValue: "4563442423554324324264524243.32543234" },
      binaryAttribute: { DataType: "Binary", BinaryValue: Buffer.from("Hello binary world!") },
    };
    const sent = await call("SendMessage", { QueueUrl: url, MessageBody: "with attributes", MessageAttributes });
    assert.equal(sent.MD5OfMessageAttributes, "c932db14a896c663f83c260297d594ff");
    const [message] = (await call("ReceiveMessage", {
      QueueUrl: url, WaitTimeSeconds: 5, MessageAttributeNames: ["All"], AttributeNames: ["All"],
    })).Messages;
    assert.equal(message.MD5OfMessageAttributes, "c932db14a896c663f83c260297d594ff");
    assert.equal(message.MessageAttributes.attribName1.StringValue, "attribValue 1");
    assert.equal(message.MessageAttributes.customNumberTypeAttrib.DataType, "Number.float");
    assert.equal(Buffer.from(message.MessageAttributes.binaryAttribute.BinaryValue).toString(), "Hello binary world!");
    assert.ok(message.Attributes.SentTimestamp && message.Attributes.ApproximateFirstReceiveTimestamp);
    Object.assign(observed, { md5OfMessageAttributes: message.MD5OfMessageAttributes });
  },

  async purge() {
    const url = await create("purge");
    await call("SendMessageBatch", { QueueUrl: url, Entries: [0, 1, 2].map((i) => ({ Id: `${i}`, MessageBody: `${i}` })) });
    assert.equal(await approximate(url), 3);
    await call("PurgeQueue", { QueueUrl: url });
    assert.equal((await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 1 })).Messages, undefined);
    assert.equal(await approximate(url), 0);
    Object.assign(observed, { purged: 3 });
  },

  async tags() {
    const { QueueUrl: url } = await call("CreateQueue", { QueueName: unique("tags"), tags: { team: "ingest" } });
    assert.deepEqual((await call("ListQueueTags", { QueueUrl: url })).Tags, { team: "ingest" });
    await call("TagQueue", { QueueUrl: url, Tags: { env: "test", team: "core" } });
    assert.deepEqual((await call("ListQueueTags", { QueueUrl: url })).Tags, { team: "core", env: "test" });
    await call("UntagQueue", { QueueUrl: url, TagKeys: ["team"] });
    const { Tags } = await call("ListQueueTags", { QueueUrl: url });
    assert.deepEqual(Tags, { env: "test" });
    Object.assign(observed, { tags: Tags });
  },

  async errors() {
    const url = await create("errors");
    const missing = `${url.slice(0, url.lastIndexOf("/"))}/no-such-queue-${randomUUID().slice(0, 8)}`;
    const notFound = ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"];
    await expectError(notFound, "GetQueueUrl", { QueueName: "no-such-queue-x" });
    await expectError(notFound, "SendMessage", { QueueUrl: missing, MessageBody: "x" });
    await expectError(["InvalidParameterValue"], "CreateQueue", { QueueName: "bad name!" });
    await expectError(["InvalidAttributeValue", "InvalidParameterValue"], "SetQueueAttributes", { QueueUrl: url, Attributes: { VisibilityTimeout: "43201" } });
    await expectError(["InvalidParameterValue"], "ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 11 });
    await expectError(["ReceiptHandleIsInvalid"], "DeleteMessage", { QueueUrl: url, ReceiptHandle: "forged" });
    await expectError(["EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"], "SendMessageBatch", { QueueUrl: url, Entries: [] });
    await expectError(["TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"], "SendMessageBatch", {
      QueueUrl: url, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `${i}`, MessageBody: "x" })),
    });
    await expectError(["BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"], "SendMessageBatch", {
      QueueUrl: url, Entries: [{ Id: "same", MessageBody: "x" }, { Id: "same", MessageBody: "y" }],
    });
    await expectError(["InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"], "SendMessageBatch", {
      QueueUrl: url, Entries: [{ Id: "not valid!", MessageBody: "x" }],
    });
    await expectError(["InvalidMessageContents"], "SendMessage", { QueueUrl: url, MessageBody: "bad \u0001 char" });
    const small = await create("small", { MaximumMessageSize: "1024" });
    await expectError(["InvalidParameterValue"], "SendMessage", { QueueUrl: small, MessageBody: "x".repeat(1025) });
    const fifo = await create("errfifo", {}, true);
    await expectError(["InvalidParameterValue"], "SendMessage", { QueueUrl: fifo, MessageBody: "x", MessageGroupId: "g", MessageDeduplicationId: "d", DelaySeconds: 5 });
    await expectError(["InvalidParameterValue"], "SendMessage", { QueueUrl: fifo, MessageBody: "x", MessageGroupId: "g" });
    assert.equal(await approximate(url) + await approximate(small) + await approximate(fifo), 0);
  },

  async signature() {
    const name = unique("signed");
    const { QueueUrl } = await call("CreateQueue", { QueueName: name });
    assert.ok((await call("ListQueues", { QueueNamePrefix: name })).QueueUrls.includes(QueueUrl));
    const wrong = await expectError(["SignatureDoesNotMatch", "SignatureDoesNotMatchException", "InvalidSignatureException"],
      "ListQueues", {}, client(process.env.AWS_ACCESS_KEY_ID, process.env.WRONG_SECRET));
    const unknown = await expectError(["InvalidClientTokenId", "InvalidClientTokenIdException", "UnrecognizedClientException"],
      "ListQueues", {}, client(process.env.UNKNOWN_KEY, process.env.AWS_SECRET_ACCESS_KEY));
    Object.assign(observed, { wrongSecret: wrong.join("|"), unknownKey: unknown.join("|") });
  },
};

const scenario = process.argv[2];
await scenarios[scenario]();
observed.scenario = scenario;
console.log(JSON.stringify(observed));
console.log(`SCENARIO OK ${scenario}`);
