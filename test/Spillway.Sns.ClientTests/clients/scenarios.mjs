// SNS scenarios driven through @aws-sdk/client-sns (AWS SDK for JavaScript v3: the query protocol), reading subscribed
// queues through @aws-sdk/client-sqs and checking signatures with node:crypto as a receiver would.
//
//     node scenarios.mjs <scenario>
//
// Environment: SNS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Each scenario asserts as it goes
// and prints one JSON line of what it observed.
import assert from "node:assert/strict";
import { randomUUID, createVerify, X509Certificate } from "node:crypto";
import * as Sns from "@aws-sdk/client-sns";
import * as Sqs from "@aws-sdk/client-sqs";

const settings = {
  endpoint: process.env.SNS_ENDPOINT,
  region: process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
  maxAttempts: 1,
};
const sns = new Sns.SNSClient(settings);
const sqs = new Sqs.SQSClient(settings);
const observed = { client: "@aws-sdk/client-sns", errors: [] };
const ACCOUNT = "000000000000";

const call = (name, input) => sns.send(new Sns[`${name}Command`](input));
const queueCall = (name, input) => sqs.send(new Sqs[`${name}Command`](input));
const unique = (prefix) => `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;

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

async function queue(name, fifo = false) {
  const { QueueUrl } = await queueCall("CreateQueue", { QueueName: name, Attributes: fifo ? { FifoQueue: "true" } : {} });
  const { Attributes } = await queueCall("GetQueueAttributes", { QueueUrl, AttributeNames: ["QueueArn"] });
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

// Each receive long-polls a moment: a publish is answered once the topic's journal holds it, and each queue shows it
// after its own fsync.
async function drain(url) {
  const all = [];
  for (;;) {
    const { Messages = [] } = await queueCall("ReceiveMessage", {
      QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], AttributeNames: ["All"], VisibilityTimeout: 600,
      WaitTimeSeconds: 1,
    });
    if (Messages.length === 0) return all;
    all.push(...Messages);
  }
}

// As SNS documents for receivers: the certificate from SigningCertURL, the listed fields as "Key\nValue\n".
async function verify(envelope) {
  const certificate = new X509Certificate(await (await fetch(envelope.SigningCertURL)).text());
  const keys = envelope.Type === "Notification"
    ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
  const text = keys
    .filter((k) => envelope[k] !== undefined).map((k) => `${k}\n${envelope[k]}\n`).join("");
  const verifier = createVerify(envelope.SignatureVersion === "1" ? "RSA-SHA1" : "RSA-SHA256");
  verifier.update(text, "utf8");
  return verifier.verify(certificate.publicKey, envelope.Signature, "base64");
}

async function topics() {
  const name = unique("orders");
  const { TopicArn: arn } = await call("CreateTopic", { Name: name, Attributes: { DisplayName: "Orders" }, Tags: [{ Key: "team", Value: "ops" }] });
  assert.equal(arn, `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`);
  assert.equal((await call("CreateTopic", { Name: name, Attributes: { DisplayName: "Orders" } })).TopicArn, arn);
  await expectError("InvalidParameterException", "CreateTopic", { Name: name, Attributes: { DisplayName: "Other" } });
  const { TopicArn: fifo } = await call("CreateTopic", { Name: `${name}.fifo`, Attributes: { FifoTopic: "true" } });
  const listed = (await call("ListTopics", {})).Topics.map((t) => t.TopicArn);
  assert.ok(listed.includes(arn) && listed.includes(fifo), listed);
  await call("SetTopicAttributes", { TopicArn: arn, AttributeName: "SignatureVersion", AttributeValue: "2" });
  const { Attributes } = await call("GetTopicAttributes", { TopicArn: arn });
  assert.equal(`${Attributes.DisplayName}/${Attributes.SignatureVersion}/${Attributes.Owner}`, `Orders/2/${ACCOUNT}`);
  await expectError("InvalidParameterException", "SetTopicAttributes", { TopicArn: arn, AttributeName: "NoSuchThing", AttributeValue: "x" });
  await call("TagResource", { ResourceArn: arn, Tags: [{ Key: "env", Value: "dev" }] });
  await call("UntagResource", { ResourceArn: arn, TagKeys: ["team"] });
  assert.deepEqual((await call("ListTagsForResource", { ResourceArn: arn })).Tags, [{ Key: "env", Value: "dev" }]);
  await call("DeleteTopic", { TopicArn: arn });
  await call("DeleteTopic", { TopicArn: fifo });
  await expectError("NotFoundException", "GetTopicAttributes", { TopicArn: arn });
  return { arn };
}

async function subscriptions() {
  const { TopicArn: topic } = await call("CreateTopic", { Name: unique("subs") });
  const q = await queue(unique("q"));
  const raw = { RawMessageDelivery: "true" };
  const { SubscriptionArn: byArn } = await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: q.arn, Attributes: raw });
  assert.ok(byArn.startsWith(`${topic}:`), byArn);
  assert.equal((await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: q.url, Attributes: raw })).SubscriptionArn, byArn);
  const pending = await call("Subscribe", { TopicArn: topic, Protocol: "https", Endpoint: "https://127.0.0.1:9/hook" });
  assert.equal(pending.SubscriptionArn, "pending confirmation");
  await expectError("InvalidParameterException", "ConfirmSubscription", { TopicArn: topic, Token: "not-a-token" });
  const byTopic = (await call("ListSubscriptionsByTopic", { TopicArn: topic })).Subscriptions.map((s) => s.SubscriptionArn).sort();
  assert.deepEqual(byTopic, [byArn, "PendingConfirmation"].sort());
  assert.ok((await call("ListSubscriptions", {})).Subscriptions.some((s) => s.SubscriptionArn === byArn));
  await call("SetSubscriptionAttributes", { SubscriptionArn: byArn, AttributeName: "FilterPolicy", AttributeValue: '{"kind":["retail"]}' });
  const { Attributes } = await call("GetSubscriptionAttributes", { SubscriptionArn: byArn });
  assert.equal(Attributes.FilterPolicy, '{"kind":["retail"]}');
  assert.equal(Attributes.PendingConfirmation, "false");
  await call("Unsubscribe", { SubscriptionArn: byArn });
  await expectError("NotFoundException", "GetSubscriptionAttributes", { SubscriptionArn: byArn });
  await call("DeleteTopic", { TopicArn: topic });
  return { subscriptionArn: byArn };
}

async function fanout() {
  const { TopicArn: topic } = await call("CreateTopic", { Name: unique("fanout") });
  const [enveloped, raw, second] = [await queue(unique("env")), await queue(unique("raw")), await queue(unique("env2"))];
  await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: enveloped.arn });
  await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: raw.arn, Attributes: { RawMessageDelivery: "true" } });
  await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: second.arn });
  const { MessageId } = await call("Publish", {
    TopicArn: topic, Message: "order 42 ✓", Subject: "New order",
    MessageAttributes: {
      kind: { DataType: "String", StringValue: "retail" },
      price: { DataType: "Number", StringValue: "12.5" },
      blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 255]) },
    },
  });
  const envelopes = [...await drain(enveloped.url), ...await drain(second.url)].map((m) => JSON.parse(m.Body));
  assert.equal(envelopes.length, 2);
  for (const envelope of envelopes) {
    assert.equal(envelope.MessageId, MessageId);
    assert.equal(envelope.Type, "Notification");
    assert.equal(envelope.Message, "order 42 ✓");
    assert.equal(envelope.Subject, "New order");
    assert.deepEqual(envelope.MessageAttributes.price, { Type: "Number", Value: "12.5" });
    assert.equal(envelope.MessageAttributes.blob.Value, "AAH/");
    assert.ok(await verify(envelope), "signature");
  }
  const rawMessages = await drain(raw.url);
  assert.deepEqual(rawMessages.map((m) => m.Body), ["order 42 ✓"]);
  assert.equal(rawMessages[0].MessageAttributes.kind.StringValue, "retail");
  assert.deepEqual([...rawMessages[0].MessageAttributes.blob.BinaryValue], [0, 1, 255]);
  await call("DeleteTopic", { TopicArn: topic });
  return { messageId: MessageId, verified: true };
}

async function fifo() {
  const { TopicArn: topic } = await call("CreateTopic", { Name: `${unique("orders")}.fifo`, Attributes: { FifoTopic: "true" } });
  const queues = [];
  for (let i = 0; i < 3; i++) {
    const q = await queue(`${unique("q")}.fifo`, true);
    await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: q.arn, Attributes: { RawMessageDelivery: "true" } });
    queues.push(q);
  }
  const sequences = [];
  for (let i = 0; i < 6; i++) {
    const group = i % 2 === 0 ? "a" : "b";
    sequences.push((await call("Publish", { TopicArn: topic, Message: `${group}${i}`, MessageGroupId: group, MessageDeduplicationId: `d${i}` })).SequenceNumber);
  }
  const duplicate = await call("Publish", { TopicArn: topic, Message: "a0 again", MessageGroupId: "a", MessageDeduplicationId: "d0" });
  assert.equal(duplicate.SequenceNumber, sequences[0]);
  const orders = [];
  for (const q of queues) {
    const bodies = (await drain(q.url)).map((m) => m.Body);
    assert.deepEqual(bodies.filter((b) => b.startsWith("a")), ["a0", "a2", "a4"]);
    assert.deepEqual(bodies.filter((b) => b.startsWith("b")), ["b1", "b3", "b5"]);
    orders.push(bodies);
  }
  await call("DeleteTopic", { TopicArn: topic });
  return { orders };
}

async function batch() {
  const { TopicArn: topic } = await call("CreateTopic", { Name: unique("batch") });
  const q = await queue(unique("raw"));
  await call("Subscribe", { TopicArn: topic, Protocol: "sqs", Endpoint: q.arn, Attributes: { RawMessageDelivery: "true" } });
  const answer = await call("PublishBatch", {
    TopicArn: topic,
    PublishBatchRequestEntries: [
      { Id: "one", Message: "first" },
      { Id: "bad", Message: "second", MessageAttributes: { n: { DataType: "Number", StringValue: "many" } } },
      { Id: "three", Message: "third" },
    ],
  });
  assert.deepEqual(answer.Successful.map((s) => s.Id), ["one", "three"]);
  assert.deepEqual(answer.Failed.map((f) => [f.Id, f.SenderFault]), [["bad", true]]);
  assert.deepEqual((await drain(q.url)).map((m) => m.Body).sort(), ["first", "third"]);
  await expectError("TooManyEntriesInBatchRequestException", "PublishBatch", {
    TopicArn: topic, PublishBatchRequestEntries: [...Array(11).keys()].map((i) => ({ Id: `e${i}`, Message: "x" })),
  });
  await expectError("BatchEntryIdsNotDistinctException", "PublishBatch", {
    TopicArn: topic, PublishBatchRequestEntries: [{ Id: "same", Message: "x" }, { Id: "same", Message: "y" }],
  });
  await call("DeleteTopic", { TopicArn: topic });
  return { failed: answer.Failed.map((f) => f.Code) };
}

async function errors() {
  const { TopicArn: topic } = await call("CreateTopic", { Name: unique("errors") });
  await expectError("NotFoundException", "Publish", { TopicArn: `${topic}-missing`, Message: "x" });
  await expectError("InvalidParameterException", "SetTopicAttributes", { TopicArn: topic, AttributeName: "SignatureVersion", AttributeValue: "9" });
  const message = await expectError("InvalidParameterException", "Publish", { TopicArn: topic, Message: "x".repeat(256 * 1024 + 1) });
  assert.match(message, /too long/);
  await expectError("InvalidParameterValueException", "Publish", {
    TopicArn: topic, Message: "x", MessageAttributes: { a: { DataType: "Decimal", StringValue: "1" } },
  });
  await call("DeleteTopic", { TopicArn: topic });
  return {};
}

// The index-th delivery the scenario's HTTP subscriber got (it waits for it): its headers and body.
async function received(index) {
  const answer = await fetch(`${process.env.RECEIVER_URL}/received/${index}`);
  assert.equal(answer.status, 200, `delivery ${index} did not arrive`);
  return answer.json();
}

async function handshake() {
  const { TopicArn: topic } = await call("CreateTopic", { Name: unique("hooks") });
  const subscribed = await call("Subscribe", { TopicArn: topic, Protocol: "http", Endpoint: `${process.env.RECEIVER_URL}/hook` });
  assert.equal(subscribed.SubscriptionArn, "pending confirmation");
  const confirmation = await received(0);
  const envelope = JSON.parse(confirmation.body);
  assert.equal(confirmation.headers["x-amz-sns-message-type"], "SubscriptionConfirmation");
  assert.equal(`${envelope.Type} ${envelope.TopicArn}`, `SubscriptionConfirmation ${topic}`);
  assert.ok(await verify(envelope), "the confirmation's signature");
  assert.equal((await fetch(envelope.SubscribeURL)).status, 200);
  const arn = (await call("ListSubscriptionsByTopic", { TopicArn: topic })).Subscriptions[0].SubscriptionArn;
  assert.ok(arn.startsWith(`${topic}:`), arn);
  const published = await call("Publish", { TopicArn: topic, Message: "hello hooks", Subject: "greeting" });
  const delivery = await received(1);
  const notification = JSON.parse(delivery.body);
  assert.equal(`${notification.MessageId} ${notification.Message}`, `${published.MessageId} hello hooks`);
  assert.equal(delivery.headers["x-amz-sns-subscription-arn"], arn);
  assert.ok(await verify(notification), "the notification's signature");
  await call("DeleteTopic", { TopicArn: topic });
  return { subscriptionArn: arn, messageId: published.MessageId, verified: true };
}

const scenarios = { topics, subscriptions, fanout, handshake, fifo, batch, errors };
const scenario = process.argv[2];
Object.assign(observed, await scenarios[scenario]());
sns.destroy();
sqs.destroy();
console.log(JSON.stringify(observed));
console.log(`SCENARIO OK ${scenario}`);
