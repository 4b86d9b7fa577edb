"""SQS scenarios driven through boto3 (Debian's boto3 1.26 / botocore 1.29: the query protocol).

    python3 scenarios.py <scenario>

Environment: SQS_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, and
per scenario SEED_NAME (seed) or WRONG_SECRET / UNKNOWN_KEY (signature). Each scenario asserts as it goes, exits non-zero
on the first failure, and prints one JSON line of what it observed for the calling test to check.
"""
import hashlib
import json
import os
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ElementTree

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["SQS_ENDPOINT"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
CONFIG = Config(retries={"max_attempts": 1}, read_timeout=60)


def client(access_key=None, secret=None):
    return boto3.client(
        "sqs",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=access_key or os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or os.environ["AWS_SECRET_ACCESS_KEY"],
        config=CONFIG,
    )


sqs = client()
observed = {"client": "boto3 " + boto3.__version__, "protocol": sqs.meta.service_model.protocol}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def md5(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def md5_of_attributes(attributes):
    """The AWS algorithm: names sorted; big-endian length-prefixed name, type, transport byte, value."""
    buffer = b""
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        buffer += struct.pack(">I", len(name.encode())) + name.encode()
        buffer += struct.pack(">I", len(data_type.encode())) + data_type.encode()
        if data_type.startswith("Binary"):
            raw = value["BinaryValue"]
            buffer += b"\x02" + struct.pack(">I", len(raw)) + raw
        else:
            raw = value["StringValue"].encode("utf-8")
            buffer += b"\x01" + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(buffer).hexdigest()


def error_code(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"]
    raise AssertionError(f"{call.__name__} succeeded but should have failed")


def expect_error(expected, call, *args, **kwargs):
    code = error_code(call, *args, **kwargs)
    assert code in expected, f"{call.__name__}: expected one of {expected}, got {code}"
    observed.setdefault("errors", []).append(code)


def create(prefix, attributes=None, fifo=False):
    name = unique(prefix) + (".fifo" if fifo else "")
    attributes = dict(attributes or {})
    if fifo:
        attributes["FifoQueue"] = "true"
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def receive_all(url, count, tries=20, delete=True, **kwargs):
    """Receives until `count` messages arrived (long polls, never sleeps), deleting each batch as it comes."""
    messages = []
    for _ in range(tries):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2, **kwargs).get("Messages", [])
        for message in batch:
            assert message["MD5OfBody"] == md5(message["Body"]), "MD5OfBody does not match the body"
        messages += batch
        if delete and batch:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            deleted = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            assert len(deleted.get("Successful", [])) == len(batch), deleted
        if len(messages) >= count:
            break
    return messages


def approximate(url, attribute="ApproximateNumberOfMessages"):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[attribute])["Attributes"][attribute])


def query(action, params):
    """An action Debian's botocore predates (message move tasks): the query protocol by hand, signed by botocore."""
    body = urllib.parse.urlencode({"Action": action, "Version": "2012-11-05", **params})
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=body.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    credentials = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    SigV4Auth(credentials, "sqs", REGION).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    with urllib.request.urlopen(http, timeout=30) as response:
        root = ElementTree.fromstring(response.read())
    for element in root.iter():
        element.tag = element.tag.split("}")[-1]
    return root


# --- scenarios -------------------------------------------------------------------------------------------------------

def seed():
    """The seed's CLI step through boto3: a record sent to the submit route's queue ends up in users."""
    url = sqs.get_queue_url(QueueName="submit")["QueueUrl"]
    name = os.environ["SEED_NAME"]
    body = json.dumps({"name": name, "email": f"{name}@example.com"})
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5(body)
    observed.update(queueUrl=url, messageId=sent["MessageId"])


def lifecycle():
    name = unique("life")
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert url.endswith("/" + name), url
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url, "not idempotent"
    expect_error(["QueueAlreadyExists"], sqs.create_queue, QueueName=name, Attributes={"VisibilityTimeout": "46"})
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45", attributes
    assert attributes["QueueArn"].startswith("arn:aws:sqs:") and attributes["QueueArn"].endswith(":" + name), attributes
    for key in ["ApproximateNumberOfMessages", "CreatedTimestamp", "MessageRetentionPeriod", "DelaySeconds"]:
        assert key in attributes, f"{key} missing from {attributes}"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "10", "DelaySeconds": "3"})
    changed = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds"])["Attributes"]
    assert changed == {"VisibilityTimeout": "10", "DelaySeconds": "3"}, changed
    sqs.delete_queue(QueueUrl=url)
    expect_error(["AWS.SimpleQueueService.NonExistentQueue"], sqs.get_queue_url, QueueName=name)
    observed.update(queueUrl=url, arn=attributes["QueueArn"])


def messages():
    url = create("msg")
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == md5("hello")
    [single] = receive_all(url, 1, delete=False)
    assert single["Body"] == "hello" and single["MessageId"] == sent["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=single["ReceiptHandle"])

    entries = [{"Id": f"m{i}", "MessageBody": f"batch {i} ✓"} for i in range(10)]
    batch = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert len(batch["Successful"]) == 10 and not batch.get("Failed"), batch
    for entry in batch["Successful"]:
        assert entry["MD5OfMessageBody"] == md5(f"batch {entry['Id'][1:]} ✓")
    received = receive_all(url, 10)
    assert sorted(m["Body"] for m in received) == sorted(e["MessageBody"] for e in entries), received
    assert approximate(url) == 0 and approximate(url, "ApproximateNumberOfMessagesNotVisible") == 0
    observed.update(single=1, batch=len(received))


def visibility():
    url = create("vis")
    sqs.send_message(QueueUrl=url, MessageBody="again")
    [first] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60, WaitTimeSeconds=5, AttributeNames=["All"])["Messages"]
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0), "in-flight message was delivered twice"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    [second] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60, WaitTimeSeconds=5, AttributeNames=["All"])["Messages"]
    assert second["MessageId"] == first["MessageId"] and second["Attributes"]["ApproximateReceiveCount"] == "2"
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "ReceiptHandle": second["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "bad", "ReceiptHandle": "not-a-receipt-handle", "VisibilityTimeout": 0},
    ])
    assert [e["Id"] for e in changed["Successful"]] == ["ok"], changed
    assert [e["Code"] for e in changed["Failed"]] == ["ReceiptHandleIsInvalid"], changed
    [third] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert third["MessageId"] == first["MessageId"]
    observed.update(receiveCount=second["Attributes"]["ApproximateReceiveCount"])


def long_polling():
    url = create("poll")
    started = time.monotonic()
    empty = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    waited = time.monotonic() - started
    assert "Messages" not in empty and waited >= 0.9, f"empty long poll returned after {waited:.2f}s"

    result = {}

    def poll():
        result["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        result["at"] = time.monotonic()

    poller = threading.Thread(target=poll)
    poller.start()
    # Gives the poll time to reach the server; if the send wins the race the poll still gets the message, so the
    # assertions below hold either way and the 20 s bound is what they check.
    time.sleep(1)
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    poller.join(30)
    assert not poller.is_alive(), "long poll did not return"
    assert result["response"]["Messages"][0]["Body"] == "wake up"
    latency = result["at"] - sent_at
    assert latency < 3, f"long poll returned {latency:.2f}s after the send, not as soon as the message arrived"
    observed.update(emptyWaitSeconds=round(waited, 2), wakeSeconds=round(latency, 3))


def delays():
    url = create("delay")
    sent_at = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0), "delayed message was visible at once"
    assert approximate(url, "ApproximateNumberOfMessagesDelayed") == 1
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    delay = time.monotonic() - sent_at
    assert message["Body"] == "later" and delay >= 1.5, f"delivered after {delay:.2f}s"

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "1"})
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0), "queue delay was not applied"
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"][0]["Body"] == "queue delay"
    observed.update(delaySeconds=round(delay, 2))


def fifo():
    url = create("order", fifo=True)
    sequence = []
    for i in range(5):
        sent = sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="A", MessageDeduplicationId=f"a{i}")
        sequence.append(int(sent["SequenceNumber"]))
    assert sequence == sorted(sequence), sequence
    duplicate = sqs.send_message(QueueUrl=url, MessageBody="a0 again", MessageGroupId="A", MessageDeduplicationId="a0")
    assert duplicate["MessageId"], duplicate
    batch = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"b{i}", "MessageBody": f"b{i}", "MessageGroupId": "B", "MessageDeduplicationId": f"b{i}"} for i in range(3)])
    assert len(batch["Successful"]) == 3, batch
    expect_error(["MissingParameter"], sqs.send_message, QueueUrl=url, MessageBody="no group", MessageDeduplicationId="x")

    received = [m["Body"] for m in receive_all(url, 8, AttributeNames=["All"])]
    assert [b for b in received if b.startswith("a")] == [f"a{i}" for i in range(5)], received
    assert [b for b in received if b.startswith("b")] == [f"b{i}" for i in range(3)], received
    assert "a0 again" not in received

    content = create("content", {"ContentBasedDeduplication": "true"}, fifo=True)
    for _ in range(2):
        sqs.send_message(QueueUrl=content, MessageBody="same body", MessageGroupId="G")
    assert [m["Body"] for m in receive_all(content, 2, tries=3)] == ["same body"]
    observed.update(order=received)


def dead_letters():
    dlq = create("dlq")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = create("src", {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == dlq_arn and int(policy["maxReceiveCount"]) == 1, policy
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    [first] = sqs.receive_message(QueueUrl=source, VisibilityTimeout=0, WaitTimeSeconds=5)["Messages"]
    assert first["Body"] == "poison"
    # Received once already: the next receive moves it to the dead-letter queue instead of delivering it.
    assert "Messages" not in sqs.receive_message(QueueUrl=source, WaitTimeSeconds=1)
    deadline = time.monotonic() + 10
    while approximate(dlq) != 1:
        assert time.monotonic() < deadline, "the message never reached the dead-letter queue"
        time.sleep(0.1)
    assert source in sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]

    # Redrive: a message move task back to the source (the move-task API postdates this botocore: raw query protocol).
    handle = query("StartMessageMoveTask", {"SourceArn": dlq_arn}).find(".//TaskHandle").text
    assert handle
    deadline = time.monotonic() + 20
    while True:
        tasks = query("ListMessageMoveTasks", {"SourceArn": dlq_arn})
        status = tasks.find(".//Status").text
        if status == "COMPLETED":
            break
        assert status == "RUNNING" and time.monotonic() < deadline, f"move task status {status}"
        time.sleep(0.2)
    assert tasks.find(".//ApproximateNumberOfMessagesMoved").text == "1"
    [back] = sqs.receive_message(QueueUrl=source, WaitTimeSeconds=5)["Messages"]
    assert back["Body"] == "poison"
    observed.update(deadLetterArn=dlq_arn, moveStatus=status)


def attributes():
    assert md5_of_attributes({"attribName1": {"DataType": "String", "StringValue": "attribValue 1"}}) == \
        "19e27d4e946b072f3f58da80d94fd778", "the test's own MD5 algorithm is wrong"
    url = create("attrs")
    message_attributes = {
        "attribName1": {"DataType": "String", "StringValue": "attribValue 1"},
        "customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"},
        "binaryAttribute": {"DataType": "Binary", "BinaryValue": b"Hello binary world!"},
    }
    expected = md5_of_attributes(message_attributes)
    assert expected == "c932db14a896c663f83c260297d594ff"
    sent = sqs.send_message(QueueUrl=url, MessageBody="with attributes", MessageAttributes=message_attributes)
    assert sent["MD5OfMessageAttributes"] == expected, sent
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert message["MD5OfMessageAttributes"] == expected
    assert message["MessageAttributes"] == message_attributes, message["MessageAttributes"]
    for key in ["SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"]:
        assert key in message["Attributes"], message["Attributes"]
    observed.update(md5OfMessageAttributes=message["MD5OfMessageAttributes"])


def purge():
    url = create("purge")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    assert approximate(url) == 3
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert approximate(url) == 0
    observed.update(purged=3)


def tags():
    name = unique("tags")
    url = sqs.create_queue(QueueName=name, tags={"team": "ingest"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "ingest"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test", "team": "core"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "test"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    final = sqs.list_queue_tags(QueueUrl=url)["Tags"]
    assert final == {"env": "test"}, final
    observed.update(tags=final)


def errors():
    url = create("errors")
    missing = url.rsplit("/", 1)[0] + "/no-such-queue-" + uuid.uuid4().hex[:8]
    expect_error(["AWS.SimpleQueueService.NonExistentQueue"], sqs.get_queue_url, QueueName="no-such-queue-x")
    expect_error(["AWS.SimpleQueueService.NonExistentQueue"], sqs.send_message, QueueUrl=missing, MessageBody="x")
    expect_error(["InvalidParameterValue"], sqs.create_queue, QueueName="bad name!")
    expect_error(["InvalidAttributeValue", "InvalidParameterValue"], sqs.set_queue_attributes,
                 QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
    expect_error(["InvalidParameterValue"], sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
    expect_error(["ReceiptHandleIsInvalid"], sqs.delete_message, QueueUrl=url, ReceiptHandle="forged")
    expect_error(["AWS.SimpleQueueService.EmptyBatchRequest"], sqs.send_message_batch, QueueUrl=url, Entries=[])
    expect_error(["AWS.SimpleQueueService.TooManyEntriesInBatchRequest"], sqs.send_message_batch, QueueUrl=url,
                 Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
    expect_error(["AWS.SimpleQueueService.BatchEntryIdsNotDistinct"], sqs.send_message_batch, QueueUrl=url,
                 Entries=[{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}])
    expect_error(["AWS.SimpleQueueService.InvalidBatchEntryId"], sqs.send_message_batch, QueueUrl=url,
                 Entries=[{"Id": "not valid!", "MessageBody": "x"}])
    expect_error(["InvalidMessageContents"], sqs.send_message, QueueUrl=url, MessageBody="bad \u0001 char")
    small = create("small", {"MaximumMessageSize": "1024"})
    expect_error(["InvalidParameterValue"], sqs.send_message, QueueUrl=small, MessageBody="x" * 1025)
    fifo_url = create("errfifo", fifo=True)
    expect_error(["InvalidParameterValue"], sqs.send_message, QueueUrl=fifo_url, MessageBody="x", MessageGroupId="g",
                 MessageDeduplicationId="d", DelaySeconds=5)
    expect_error(["InvalidParameterValue"], sqs.send_message, QueueUrl=fifo_url, MessageBody="x", MessageGroupId="g")
    # Nothing changed by the refused calls.
    assert approximate(url) == 0 and approximate(small) == 0 and approximate(fifo_url) == 0


def signature():
    """Against a server with credentials: the right key works, a wrong secret and an unknown key are refused, in the
    header form; a presigned URL (the query-string form) works until its query is changed; an unsigned request is refused."""
    name = unique("signed")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url in sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    wrong = error_code(client(secret=os.environ["WRONG_SECRET"]).list_queues)
    assert wrong == "SignatureDoesNotMatch", wrong
    unknown = error_code(client(access_key=os.environ["UNKNOWN_KEY"]).list_queues)
    assert unknown == "InvalidClientTokenId", unknown

    # botocore presigns the operation's own method, POST for the query protocol, with everything in the URL.
    presigned = sqs.generate_presigned_url("list_queues", Params={"QueueNamePrefix": name}, ExpiresIn=60)
    assert "X-Amz-Signature=" in presigned, presigned
    with urllib.request.urlopen(urllib.request.Request(presigned, data=b"", method="POST"), timeout=30) as response:
        assert url in response.read().decode(), "presigned ListQueues did not list the queue"
    tampered = presigned.replace("QueueNamePrefix=" + name, "QueueNamePrefix=other")
    assert tampered != presigned
    assert http_error(urllib.request.Request(tampered, data=b"", method="POST")) == (403, "SignatureDoesNotMatch")
    unsigned = urllib.request.Request(ENDPOINT + "/", data=b"Action=ListQueues&Version=2012-11-05", method="POST",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert http_error(unsigned) == (403, "MissingAuthenticationToken")
    observed.update(wrongSecret=wrong, unknownKey=unknown, presigned="accepted", unsigned="MissingAuthenticationToken")


def http_error(request):
    """Sends a raw request that must fail; returns its HTTP status and the query-protocol error code."""
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        root = ElementTree.fromstring(error.read())
        code = next(e.text for e in root.iter() if e.tag.endswith("Code"))
        return error.code, code
    raise AssertionError("the request succeeded but should have failed")


SCENARIOS = {f.__name__: f for f in [seed, lifecycle, messages, visibility, long_polling, delays, fifo, dead_letters, attributes,
                                      purge, tags, errors, signature]}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
    observed["scenario"] = sys.argv[1]
    print(json.dumps(observed))
    print("SCENARIO OK " + sys.argv[1])
