"""Kinesis scenarios driven through boto3 (Debian's boto3 1.26: JSON 1.1; it predates StreamARN parameters).

    python3 scenarios.py <scenario>

Environment: KINESIS_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Each scenario asserts as it goes, exits non-zero on the first failure, and prints one JSON line of what it observed.
"""
import datetime
import json
import os
import sys
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

kinesis = boto3.client(
    "kinesis",
    endpoint_url=os.environ["KINESIS_ENDPOINT"],
    region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    config=Config(retries={"max_attempts": 1}),
)
ERRORS = []
BINARY = bytes(range(256)) + b"\x00\xff\xc3\x28"
UTF8 = "温度 21.5 °C ✓".encode("utf-8")


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
        return
    raise AssertionError(f"{call.__name__} succeeded but should have failed with {code}")


def read(iterator, limit=None):
    answer = kinesis.get_records(ShardIterator=iterator, **({"Limit": limit} if limit else {}))
    return answer


def iterator(stream, shard, kind, **extra):
    return kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType=kind, **extra)["ShardIterator"]


def streams():
    name = unique("admin")
    kinesis.create_stream(StreamName=name, ShardCount=2)
    expect_error("ResourceInUseException", kinesis.create_stream, StreamName=name, ShardCount=2)
    description = kinesis.describe_stream(StreamName=name, Limit=1)["StreamDescription"]
    assert description["HasMoreShards"] and len(description["Shards"]) == 1, description
    assert isinstance(description["StreamCreationTimestamp"], datetime.datetime)
    arn = description["StreamARN"]
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2 and summary["StreamStatus"] == "ACTIVE", summary
    listed = kinesis.list_streams()
    # Debian's botocore predates StreamSummaries and drops it; the in-process tests check it.
    assert name in listed["StreamNames"], listed
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=72)
    kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48
    kinesis.add_tags_to_stream(StreamName=name, Tags={"team": "iot", "env": "dev"})
    kinesis.remove_tags_from_stream(StreamName=name, TagKeys=["env"])
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == [{"Key": "team", "Value": "iot"}]
    kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126))
    kinesis.merge_shards(StreamName=name, ShardToMerge="shardId-000000000002", AdjacentShardToMerge="shardId-000000000003")
    page = kinesis.list_shards(StreamName=name, MaxResults=2)
    rest = kinesis.list_shards(NextToken=page["NextToken"])
    shards = [s["ShardId"] for s in page["Shards"] + rest["Shards"]]
    assert len(shards) == 5, shards
    latest = [s["ShardId"] for s in kinesis.list_shards(StreamName=name, ShardFilter={"Type": "AT_LATEST"})["Shards"]]
    assert latest == ["shardId-000000000001", "shardId-000000000004"], latest
    updated = kinesis.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    assert updated["TargetShardCount"] == 4, updated
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    mode = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"]
    assert mode == "ON_DEMAND", mode
    kinesis.delete_stream(StreamName=name)
    expect_error("ResourceNotFoundException", kinesis.describe_stream, StreamName=name)
    return {"arn": arn, "shards": latest}


def records():
    name = unique("records")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    first = kinesis.put_record(StreamName=name, PartitionKey="device-1", Data=BINARY)
    shard, seq = first["ShardId"], first["SequenceNumber"]
    kinesis.put_record(StreamName=name, PartitionKey="センサー", Data=UTF8)
    batch = kinesis.put_records(StreamName=name, Records=[{"PartitionKey": k, "Data": k.encode()} for k in ("a", "b", "c")])
    assert batch["FailedRecordCount"] == 0 and len(batch["Records"]) == 3, batch
    got = read(iterator(name, shard, "TRIM_HORIZON"))
    data = [r["Data"] for r in got["Records"]]
    assert data == [BINARY, UTF8, b"a", b"b", b"c"], data
    assert got["Records"][1]["PartitionKey"] == "センサー"
    assert isinstance(got["Records"][0]["ApproximateArrivalTimestamp"], datetime.datetime)
    assert got["MillisBehindLatest"] == 0, got
    paged = read(iterator(name, shard, "TRIM_HORIZON"), limit=2)
    assert len(paged["Records"]) == 2 and len(read(paged["NextShardIterator"])["Records"]) == 3
    assert len(read(iterator(name, shard, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq))["Records"]) == 5
    assert len(read(iterator(name, shard, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seq))["Records"]) == 4
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    assert len(read(iterator(name, shard, "AT_TIMESTAMP", Timestamp=since))["Records"]) == 5
    latest = iterator(name, shard, "LATEST")
    assert read(latest)["Records"] == []
    kinesis.put_record(StreamName=name, PartitionKey="a", Data=b"later", ExplicitHashKey="0")
    assert [r["Data"] for r in read(latest)["Records"]] == [b"later"]
    expect_error("InvalidArgumentException", kinesis.get_records, ShardIterator="bm90LWFuLWl0ZXJhdG9y")
    expect_error("ValidationException", kinesis.put_record, StreamName=name, PartitionKey="k", Data=b"x" * (1024 * 1024))
    expect_error("ResourceNotFoundException", kinesis.put_record, StreamName=name + "-missing", PartitionKey="k", Data=b"x")
    kinesis.delete_stream(StreamName=name)
    return {"sequenceNumber": seq}


def consumers():
    name = unique("efo")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    assert consumer["ConsumerARN"].startswith(arn + "/consumer/app:"), consumer
    described = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="app")["ConsumerDescription"]
    assert described["ConsumerStatus"] == "ACTIVE" and described["StreamARN"] == arn, described
    assert [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]] == ["app"]
    expect_error("ResourceInUseException", kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="app")
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    expect_error("ResourceNotFoundException", kinesis.describe_stream_consumer, ConsumerARN=consumer["ConsumerARN"])
    kinesis.delete_stream(StreamName=name)
    return {"consumerArn": consumer["ConsumerARN"]}


if __name__ == "__main__":
    scenario = sys.argv[1]
    observed = globals()[scenario]()
    observed["errors"] = ERRORS
    print(json.dumps(observed))
    print(f"SCENARIO OK {scenario}")
