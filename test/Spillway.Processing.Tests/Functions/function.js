// An SQS-triggered function written in Node, served over HTTP for Spillway's HttpFunctionHandler.
// Prints the port it listens on, then answers each POSTed SQS event with a partial batch response. A record fails
// when its body has "fail": true or when the event is not shaped as Lambda shapes it. The path picks a misbehaviour:
// /status500, /slow (answers after 30 s), /bad-id (an itemIdentifier naming no record), /empty (an empty answer).
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');

function recordOk(record, region) {
  const a = record.attributes;
  return record.eventSource === 'aws:sqs'
    && record.awsRegion === region
    && record.eventSourceARN.startsWith(`arn:aws:sqs:${region}:`)
    && crypto.createHash('md5').update(record.body, 'utf8').digest('hex') === record.md5OfBody
    && Number(a.ApproximateReceiveCount) >= 1
    && Number(a.SentTimestamp) > 0
    && Number(a.ApproximateFirstReceiveTimestamp) > 0
    && typeof record.messageAttributes === 'object'
    && record.receiptHandle !== '';
}

// The handler itself, written as one would write it for Lambda.
async function handler(event) {
  const batchItemFailures = [];
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    if (body.fail || !recordOk(record, 'us-east-1')) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

function answer(res, status, payload) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (req.url === '/status500') return answer(res, 500, '{"errorType":"Error","errorMessage":"boom"}');
    if (req.url === '/slow') return setTimeout(() => answer(res, 200, '{}'), 30000);
    if (req.url === '/empty') return answer(res, 200, '');
    if (req.url === '/bad-id') return answer(res, 200, '{"batchItemFailures":[{"itemIdentifier":"not-a-message-id"}]}');
    answer(res, 200, JSON.stringify(await handler(event)));
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
