"""S3 scenarios driven through boto3 (Debian's python3-boto3), pointed at Spillway.

    scenarios.py <scenario>

Environment: S3_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Each
scenario stops at the first failed check and prints one JSON line of what it observed.
"""
import hashlib
import json
import os
import sys
import uuid

import boto3
import botocore.exceptions

s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"])


def check(condition, message):
    if not condition:
        print("FAILED: " + message, file=sys.stderr)
        sys.exit(1)


def error_code(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    check(False, f"{call.__name__} succeeded but should have failed")


def scenario_objects():
    bucket = "objects-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=bucket)
    keys = ["2026/12/06/a.json", "2026/12/06/b.json", "2026/12/07/c.json", "readme", "spaces and+plus", "日本/語.txt"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=("body of " + key).encode(), ContentType="application/json",
                      Metadata={"source": "boto3"})

    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    prefixes = [p["Prefix"] for p in top.get("CommonPrefixes", [])]
    plain = [o["Key"] for o in top.get("Contents", [])]
    days = s3.list_objects_v2(Bucket=bucket, Prefix="2026/12/", Delimiter="/")
    check([p["Prefix"] for p in days["CommonPrefixes"]] == ["2026/12/06/", "2026/12/07/"], f"days: {days}")

    paged = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}):
        check(page["KeyCount"] <= 2, f"a page of {page['KeyCount']} keys")
        paged += [o["Key"] for o in page.get("Contents", [])]
    check(paged == sorted(keys, key=lambda k: k.encode()), f"paged listing {paged}")

    body = b"0123456789abcdef"
    put = s3.put_object(Bucket=bucket, Key="ranged", Body=body)
    check(put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), f"etag {put['ETag']}")
    ranged = s3.get_object(Bucket=bucket, Key="ranged", Range="bytes=4-7")
    check(ranged["ContentRange"] == "bytes 4-7/16", f"content range {ranged['ContentRange']}")
    middle = ranged["Body"].read()
    tail = s3.get_object(Bucket=bucket, Key="ranged", Range="bytes=-3")["Body"].read()
    head = s3.head_object(Bucket=bucket, Key="spaces and+plus")
    check(head["Metadata"] == {"source": "boto3"} and head["ContentType"] == "application/json", f"head {head}")
    whole = s3.get_object(Bucket=bucket, Key="日本/語.txt")["Body"].read().decode()

    errors = [
        error_code(s3.get_object, Bucket=bucket, Key="missing"),
        error_code(s3.list_objects_v2, Bucket="missing-" + uuid.uuid4().hex[:8]),
        error_code(s3.delete_bucket, Bucket=bucket),
        error_code(s3.get_object, Bucket=bucket, Key="ranged", Range="bytes=100-200"),
    ]
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys + ["ranged"]]})
    check(len(deleted["Deleted"]) == len(keys) + 1, f"deleted {deleted}")
    s3.delete_bucket(Bucket=bucket)
    check(bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]], "the bucket is still listed")

    return {"prefixes": prefixes, "plain": plain, "middle": middle.decode(), "tail": tail.decode(), "unicode": whole,
            "errors": errors}


if __name__ == "__main__":
    scenario = sys.argv[1] if len(sys.argv) > 1 else ""
    observed = {"objects": scenario_objects}[scenario]()
    print(json.dumps(observed, ensure_ascii=False))
    print("SCENARIO OK " + scenario)
