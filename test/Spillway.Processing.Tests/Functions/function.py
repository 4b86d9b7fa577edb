"""An SQS-triggered function written in Python, served over HTTP for Spillway's HttpFunctionHandler.

Prints the port it listens on, then answers each POSTed SQS event with a partial batch response. A record fails when
its body has "fail": true or when the event is not shaped as Lambda shapes it. The path picks a misbehaviour:
/status500, /slow (answers after 30 s), /bad-id (an itemIdentifier naming no record), /empty (an empty answer).
"""
import base64
import hashlib
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def record_ok(record, region):
    attributes = record["attributes"]
    return (
        record["eventSource"] == "aws:sqs"
        and record["awsRegion"] == region
        and record["eventSourceARN"].startswith("arn:aws:sqs:" + region + ":")
        and hashlib.md5(record["body"].encode("utf-8")).hexdigest() == record["md5OfBody"]
        and int(attributes["ApproximateReceiveCount"]) >= 1
        and int(attributes["SentTimestamp"]) > 0
        and int(attributes["ApproximateFirstReceiveTimestamp"]) > 0
        and isinstance(record["messageAttributes"], dict)
        and record["receiptHandle"] != ""
    )


def kinesis_ok(record, region):
    kinesis = record["kinesis"]
    return (
        record["eventSource"] == "aws:kinesis"
        and record["eventName"] == "aws:kinesis:record"
        and record["awsRegion"] == region
        and record["eventSourceARN"].startswith("arn:aws:kinesis:" + region + ":")
        and record["eventID"].startswith("shardId-")
        and record["eventID"].endswith(":" + kinesis["sequenceNumber"])
        and kinesis["kinesisSchemaVersion"] == "1.0"
        and kinesis["partitionKey"] != ""
        and kinesis["approximateArrivalTimestamp"] > 0
    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if self.path == "/status500":
            return self.answer(500, b'{"errorType":"Error","errorMessage":"boom"}')
        if self.path == "/slow":
            time.sleep(30)
        if self.path == "/empty":
            return self.answer(200, b"")
        failures = []
        for record in event["Records"]:
            if "kinesis" in record:
                # A Kinesis event: the data is base64, and failures name sequence numbers.
                data = json.loads(base64.b64decode(record["kinesis"]["data"]))
                if data.get("fail") or not kinesis_ok(record, "us-east-1"):
                    failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
                continue
            body = json.loads(record["body"])
            if body.get("fail") or not record_ok(record, "us-east-1"):
                failures.append({"itemIdentifier": record["messageId"]})
        if self.path == "/bad-id":
            failures = [{"itemIdentifier": "not-a-message-id"}]
        self.answer(200, json.dumps({"batchItemFailures": failures}).encode("utf-8"))

    def answer(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
