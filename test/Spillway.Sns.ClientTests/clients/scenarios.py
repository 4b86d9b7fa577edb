"""SNS scenarios driven through boto3 (Debian's boto3 1.26: the query protocol), reading subscribed queues through its
SQS client, and checking signatures with the cryptography package as a receiver would.

    python3 scenarios.py <scenario>

Environment: SNS_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Each scenario asserts as it goes, exits non-zero on the first failure, and prints one JSON line of what it observed.
"""
import base64
import json
import sys
import urllib.request
import uuid
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

ENDPOINT = os.environ["SNS_ENDPOINT"]
settings = dict(endpoint_url=ENDPOINT, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                config=Config(retries={"max_attempts": 1}))
sns = boto3.client("sns", **settings)
sqs = boto3.client("sqs", **settings)
ERRORS = []
ACCOUNT = "000000000000"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def expect_error(code, call, **arguments):
    try:
        call(**arguments)
    except ClientError as error:
        actual = error.response["Error"]["Code"]
        assert actual == code, f"expected {code}, got {actual}: {error}"
        assert error.response["Error"]["Message"], "error without a message"
        ERRORS.append(actual)
        return error.response["Error"]["Message"]
    raise AssertionError(f"{call.__name__} succeeded but should have failed with {code}")


def queue(name, fifo=False):
    attributes = {"FifoQueue": "true"} if fifo else {}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(url):
    # A publish is answered once the topic's journal holds it; each queue shows it after its own fsync, so every
    # receive waits a moment (long polling) before the queue counts as empty.
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                    AttributeNames=["All"], VisibilityTimeout=600, WaitTimeSeconds=1).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


def verify(envelope):
    """Checks an envelope's signature with the certificate at its SigningCertURL, as SNS documents for receivers."""
    with urllib.request.urlopen(envelope["SigningCertURL"]) as answer:
        certificate = x509.load_pem_x509_certificate(answer.read())
    keys = (["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] if envelope["Type"] == "Notification"
            else ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"])
    text = "".join(f"{k}\n{envelope[k]}\n" for k in keys if k in envelope)
    algorithm = hashes.SHA1() if envelope["SignatureVersion"] == "1" else hashes.SHA256()
    certificate.public_key().verify(base64.b64decode(envelope["Signature"]), text.encode(), padding.PKCS1v15(), algorithm)
    return True


def topics():
    name = unique("orders")
    arn = sns.create_topic(Name=name, Attributes={"DisplayName": "Orders"}, Tags=[{"Key": "team", "Value": "ops"}])["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}", arn
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "Orders"})["TopicArn"] == arn
    expect_error("InvalidParameter", sns.create_topic, Name=name, Attributes={"DisplayName": "Other"})
    fifo = sns.create_topic(Name=name + ".fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    listed = []
    token = None
    while True:
        page = sns.list_topics(**({"NextToken": token} if token else {}))
        listed += [t["TopicArn"] for t in page["Topics"]]
        token = page.get("NextToken")
        if not token:
            break
    assert arn in listed and fifo in listed, listed
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Orders" and attributes["SignatureVersion"] == "2" and attributes["Owner"] == ACCOUNT, attributes
    assert sns.get_topic_attributes(TopicArn=fifo)["Attributes"]["FifoTopic"] == "true"
    expect_error("InvalidParameter", sns.set_topic_attributes, TopicArn=arn, AttributeName="NoSuchThing", AttributeValue="x")
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=fifo)
    expect_error("NotFound", sns.get_topic_attributes, TopicArn=arn)
    return {"arn": arn}


def subscriptions():
    topic = sns.create_topic(Name=unique("subs"))["TopicArn"]
    url, queue_arn = queue(unique("q"))
    by_arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
    assert by_arn.startswith(topic + ":"), by_arn
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=url, Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"] == by_arn
    pending = sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://127.0.0.1:9/hook")["SubscriptionArn"]
    assert pending == "pending confirmation", pending
    expect_error("InvalidParameter", sns.confirm_subscription, TopicArn=topic, Token="not-a-token")
    expect_error("InvalidParameter", sns.subscribe, TopicArn=topic, Protocol="carrier-pigeon", Endpoint="x")
    by_topic = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted(s["SubscriptionArn"] for s in by_topic) == sorted([by_arn, "PendingConfirmation"]), by_topic
    assert by_arn in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    sns.set_subscription_attributes(SubscriptionArn=by_arn, AttributeName="FilterPolicy", AttributeValue='{"kind":["retail"]}')
    sns.set_subscription_attributes(SubscriptionArn=by_arn, AttributeName="FilterPolicyScope", AttributeValue="MessageAttributes")
    attributes = sns.get_subscription_attributes(SubscriptionArn=by_arn)["Attributes"]
    assert attributes["FilterPolicy"] == '{"kind":["retail"]}' and attributes["RawMessageDelivery"] == "true", attributes
    assert attributes["PendingConfirmation"] == "false" and attributes["Endpoint"] == queue_arn, attributes
    sns.unsubscribe(SubscriptionArn=by_arn)
    expect_error("NotFound", sns.get_subscription_attributes, SubscriptionArn=by_arn)
    sns.delete_topic(TopicArn=topic)
    return {"subscriptionArn": by_arn}


def fanout():
    topic = sns.create_topic(Name=unique("fanout"))["TopicArn"]
    enveloped_url, enveloped = queue(unique("env"))
    raw_url, raw = queue(unique("raw"))
    second_url, second = queue(unique("env2"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=enveloped)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=second_url)
    attributes = {
        "kind": {"DataType": "String", "StringValue": "retail"},
        "price": {"DataType": "Number", "StringValue": "12.5"},
        "tags": {"DataType": "String.Array", "StringValue": '["a","b"]'},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    }
    published = sns.publish(TopicArn=topic, Message="order 42 ✓", Subject="New order", MessageAttributes=attributes)
    envelopes = [json.loads(m["Body"]) for url in (enveloped_url, second_url) for m in drain(url)]
    assert len(envelopes) == 2, envelopes
    for envelope in envelopes:
        assert envelope["Type"] == "Notification" and envelope["MessageId"] == published["MessageId"], envelope
        assert envelope["TopicArn"] == topic and envelope["Subject"] == "New order" and envelope["Message"] == "order 42 ✓", envelope
        assert envelope["MessageAttributes"]["price"] == {"Type": "Number", "Value": "12.5"}, envelope
        assert envelope["MessageAttributes"]["blob"] == {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01\xff").decode()}, envelope
        assert verify(envelope)
    assert envelopes[0]["UnsubscribeURL"] != envelopes[1]["UnsubscribeURL"]
    raw_messages = drain(raw_url)
    assert [m["Body"] for m in raw_messages] == ["order 42 ✓"], raw_messages
    received = raw_messages[0]["MessageAttributes"]
    assert received["kind"]["StringValue"] == "retail" and received["price"]["DataType"] == "Number", received
    assert received["blob"]["BinaryValue"] == b"\x00\x01\xff", received

    # Without a subject the envelope has none, and the signature still verifies without it.
    sns.publish(TopicArn=topic, Message="plain")
    plain = json.loads(drain(enveloped_url)[0]["Body"])
    assert "Subject" not in plain and verify(plain), plain

    # The UnsubscribeURL works without a signature and removes only that subscription.
    with urllib.request.urlopen(plain["UnsubscribeURL"]) as answer:
        assert answer.status == 200
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 2
    sns.delete_topic(TopicArn=topic)
    return {"messageId": published["MessageId"], "signingCertUrl": plain["SigningCertURL"], "verified": True}


def received(index):
    """The index-th delivery the scenario's HTTP subscriber got (it waits for it): its headers and body."""
    with urllib.request.urlopen(f"{os.environ['RECEIVER_URL']}/received/{index}") as answer:
        return json.loads(answer.read())


def handshake():
    topic = sns.create_topic(Name=unique("hooks"))["TopicArn"]
    endpoint = os.environ["RECEIVER_URL"] + "/hook"
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)["SubscriptionArn"] == "pending confirmation"
    confirmation = received(0)
    envelope = json.loads(confirmation["body"])
    assert confirmation["headers"]["x-amz-sns-message-type"] == "SubscriptionConfirmation", confirmation
    assert envelope["Type"] == "SubscriptionConfirmation" and envelope["TopicArn"] == topic and verify(envelope), envelope
    with urllib.request.urlopen(envelope["SubscribeURL"]) as answer:
        assert answer.status == 200
    arn = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
    assert arn.startswith(topic + ":"), arn
    published = sns.publish(TopicArn=topic, Message="hello hooks", Subject="greeting")
    delivery = received(1)
    notification = json.loads(delivery["body"])
    assert notification["MessageId"] == published["MessageId"] and notification["Message"] == "hello hooks", notification
    assert delivery["headers"]["x-amz-sns-subscription-arn"] == arn and verify(notification), delivery
    sns.delete_topic(TopicArn=topic)
    return {"subscriptionArn": arn, "messageId": published["MessageId"], "verified": True}


def fifo():
    topic = sns.create_topic(Name=unique("orders") + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    urls = []
    for _ in range(3):
        url, arn = queue(unique("q") + ".fifo", fifo=True)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        urls.append(url)
    sequence_numbers = []
    for i in range(6):
        group = "a" if i % 2 == 0 else "b"
        answer = sns.publish(TopicArn=topic, Message=f"{group}{i}", MessageGroupId=group, MessageDeduplicationId=f"d{i}")
        sequence_numbers.append(answer["SequenceNumber"])
    duplicate = sns.publish(TopicArn=topic, Message="a0 again", MessageGroupId="a", MessageDeduplicationId="d0")
    assert duplicate["SequenceNumber"] == sequence_numbers[0], duplicate
    assert sequence_numbers == sorted(sequence_numbers), sequence_numbers
    expect_error("InvalidParameter", sns.publish, TopicArn=topic, Message="no group", MessageDeduplicationId="x")
    orders = []
    for url in urls:
        messages = drain(url)
        bodies = [m["Body"] for m in messages]
        assert [b for b in bodies if b[0] == "a"] == ["a0", "a2", "a4"], bodies
        assert [b for b in bodies if b[0] == "b"] == ["b1", "b3", "b5"], bodies
        assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"a", "b"}, messages
        orders.append(bodies)
    sns.delete_topic(TopicArn=topic)
    return {"orders": orders, "sequenceNumbers": sequence_numbers}


def batch():
    topic = sns.create_topic(Name=unique("batch"))["TopicArn"]
    url, arn = queue(unique("raw"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    answer = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "one", "Message": "first"},
        {"Id": "bad", "Message": "second", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "many"}}},
        {"Id": "three", "Message": "third"},
    ])
    assert [s["Id"] for s in answer["Successful"]] == ["one", "three"], answer
    assert [(f["Id"], f["SenderFault"]) for f in answer["Failed"]] == [("bad", True)], answer
    assert sorted(m["Body"] for m in drain(url)) == ["first", "third"]
    expect_error("TooManyEntriesInBatchRequest", sns.publish_batch, TopicArn=topic,
                 PublishBatchRequestEntries=[{"Id": f"e{i}", "Message": "x"} for i in range(11)])
    expect_error("BatchEntryIdsNotDistinct", sns.publish_batch, TopicArn=topic,
                 PublishBatchRequestEntries=[{"Id": "same", "Message": "x"}, {"Id": "same", "Message": "y"}])
    sns.delete_topic(TopicArn=topic)
    return {"failed": [f["Code"] for f in answer["Failed"]]}


def errors():
    topic = sns.create_topic(Name=unique("errors"))["TopicArn"]
    expect_error("NotFound", sns.publish, TopicArn=topic + "-missing", Message="x")
    expect_error("InvalidParameter", sns.set_topic_attributes, TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="9")
    message = expect_error("InvalidParameter", sns.publish, TopicArn=topic, Message="x" * (256 * 1024 + 1))
    assert "too long" in message, message
    expect_error("ParameterValueInvalid", sns.publish, TopicArn=topic, Message="x",
                 MessageAttributes={"a": {"DataType": "Decimal", "StringValue": "1"}})
    sns.delete_topic(TopicArn=topic)
    return {}


if __name__ == "__main__":
    scenario = sys.argv[1]
    observed = globals()[scenario]()
    observed["errors"] = ERRORS
    print(json.dumps(observed))
    print(f"SCENARIO OK {scenario}")
