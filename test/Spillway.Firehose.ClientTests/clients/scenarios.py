"""Firehose scenarios driven through boto3 (JSON 1.1), reading the delivered files through its S3 client.

    python3 scenarios.py <scenario>

Environment: FIREHOSE_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Each scenario asserts as it goes, exits non-zero on the first failure, and prints one JSON line of what it observed.
"""
import base64
import gzip
import json
import os
import sys
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["FIREHOSE_ENDPOINT"]
settings = dict(endpoint_url=ENDPOINT, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
firehose = boto3.client("firehose", **settings)
s3 = boto3.client("s3", **settings)
ERRORS = []
ROLE = "arn:aws:iam::000000000000:role/firehose"
DESTINATION = "destinationId-000000000001"


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


def flush(name):
    # Spillway's admin endpoint: deliver what is buffered now, whatever the hints say.
    request = urllib.request.Request(f"{ENDPOINT}/v1/delivery-streams/{name}/flush", method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["files"]


def administration():
    name = unique("admin")
    bucket = unique("lake")
    arn = firehose.create_delivery_stream(
        DeliveryStreamName=name, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "raw/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}, "CompressionFormat": "GZIP"},
        Tags=[{"Key": "team", "Value": "data"}])["DeliveryStreamARN"]
    assert arn == f"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}", arn
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert description["DeliveryStreamStatus"] == "ACTIVE" and description["VersionId"] == "1", description
    destination = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 60}, destination
    assert destination["CompressionFormat"] == "GZIP" and destination["Prefix"] == "raw/", destination
    assert name in firehose.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
    expect_error("ResourceInUseException", firehose.create_delivery_stream, DeliveryStreamName=name,
                 ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}"})

    firehose.tag_delivery_stream(DeliveryStreamName=name, Tags=[{"Key": "env", "Value": "dev"}])
    tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"]
    assert tags == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "data"}], tags
    firehose.untag_delivery_stream(DeliveryStreamName=name, TagKeys=["env"])
    assert firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"] == [{"Key": "team", "Value": "data"}]

    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId="1", DestinationId=DESTINATION,
                                ExtendedS3DestinationUpdate={"BufferingHints": {"SizeInMBs": 2, "IntervalInSeconds": 120}})
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    hints = description["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"SizeInMBs": 2, "IntervalInSeconds": 120}, hints
    expect_error("ConcurrentModificationException", firehose.update_destination, DeliveryStreamName=name,
                 CurrentDeliveryStreamVersionId="1", DestinationId=DESTINATION,
                 ExtendedS3DestinationUpdate={"Prefix": "other/"})
    expect_error("InvalidArgumentException", firehose.create_delivery_stream, DeliveryStreamName=unique("bad"),
                 ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}",
                                                     "Prefix": "a/!{timestamp:yyyy}/"})
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    expect_error("ResourceNotFoundException", firehose.describe_delivery_stream, DeliveryStreamName=name)
    assert name not in firehose.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
    return {"version": description["VersionId"]}


def delivery():
    name = unique("readings")
    bucket = unique("lake")
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "readings/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 900}, "CompressionFormat": "GZIP",
            "ProcessingConfiguration": {"Enabled": True, "Processors": [{"Type": "AppendDelimiterToRecord"}]}})
    first = firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"n":0}'})["RecordId"]
    batch = firehose.put_record_batch(DeliveryStreamName=name,
                                      Records=[{"Data": json.dumps({"n": n}, separators=(",", ":")).encode()} for n in range(1, 6)])
    assert batch["FailedPutCount"] == 0, batch
    ids = [first] + [r["RecordId"] for r in batch["RequestResponses"]]
    assert len(set(ids)) == 6, ids
    files = flush(name)
    assert len(files) == 1, files
    key = files[0]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="readings/")
    assert [o["Key"] for o in listed["Contents"]] == [key], listed
    lines = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode().splitlines()
    assert [json.loads(line)["n"] for line in lines] == list(range(6)), lines
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    return {"lines": len(lines), "key": key}


def partitioning():
    name = unique("orders")
    bucket = unique("lake")
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "customer=!{partitionKeyFromQuery:customer}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 900},
            "DynamicPartitioningConfiguration": {"Enabled": True},
            "ProcessingConfiguration": {"Enabled": True, "Processors": [
                {"Type": "MetadataExtraction", "Parameters": [
                    {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{customer:.customer}"},
                    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
                {"Type": "AppendDelimiterToRecord"}]}})
    records = [b'{"customer":"a","n":1}', b'{"customer":"b","n":2}', b'{"customer":"a","n":3}', b"not json"]
    answer = firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    assert answer["FailedPutCount"] == 0, answer
    assert len(flush(name)) == 3
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    prefixes = sorted(p["Prefix"] for p in top["CommonPrefixes"])
    a = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="customer=a/")["Contents"]]
    assert len(a) == 1, a
    body = s3.get_object(Bucket=bucket, Key=a[0])["Body"].read().decode()
    assert body == '{"customer":"a","n":1}\n{"customer":"a","n":3}\n', body
    errors = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="errors/partitioning-failed/")["Contents"]]
    assert len(errors) == 1, errors
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    return {"prefixes": prefixes}


class TransformFunction(BaseHTTPRequestHandler):
    """Firehose's transformation event in, each record Ok (CSV "device,reading" as JSON), Dropped ("skip") or
    ProcessingFailed (anything else) out."""
    events = []

    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        TransformFunction.events.append(event)
        results = []
        for record in event["records"]:
            text = base64.b64decode(record["data"]).decode()
            fields = text.split(",")
            if text == "skip":
                results.append({"recordId": record["recordId"], "result": "Dropped"})
            elif len(fields) == 2:
                data = json.dumps({"device": fields[0], "reading": fields[1]}).encode()
                results.append({"recordId": record["recordId"], "result": "Ok", "data": base64.b64encode(data).decode()})
            else:
                results.append({"recordId": record["recordId"], "result": "ProcessingFailed"})
        body = json.dumps({"records": results}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


def record_formats():
    # The table "readings" is declared in the server's configuration (Spillway:Firehose:Tables), standing in for Glue.
    function = ThreadingHTTPServer(("127.0.0.1", 0), TransformFunction)
    threading.Thread(target=function.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{function.server_address[1]}/transform"
    name = unique("formats")
    bucket = unique("lake")
    conversion = {
        "Enabled": True,
        "SchemaConfiguration": {"DatabaseName": "lake", "TableName": "readings", "RoleARN": ROLE},
        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "GZIP"}}}}
    processing = {"Enabled": True, "Processors": [{"Type": "Lambda", "Parameters": [
        {"ParameterName": "LambdaArn", "ParameterValue": url},
        {"ParameterName": "NumberOfRetries", "ParameterValue": "1"},
        {"ParameterName": "BufferSizeInMBs", "ParameterValue": "1"},
        {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"}]}]}
    destination = {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", "Prefix": "readings/",
                   "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
                   "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 900},
                   "DataFormatConversionConfiguration": conversion, "ProcessingConfiguration": processing}
    expect_error("InvalidArgumentException", firehose.create_delivery_stream, DeliveryStreamName=name,
                 ExtendedS3DestinationConfiguration=dict(destination, CompressionFormat="GZIP"))
    unknown = dict(conversion, SchemaConfiguration={"DatabaseName": "lake", "TableName": "nowhere", "RoleARN": ROLE})
    expect_error("InvalidArgumentException", firehose.create_delivery_stream, DeliveryStreamName=name,
                 ExtendedS3DestinationConfiguration=dict(destination, DataFormatConversionConfiguration=unknown))
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination)

    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    shown = described["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert shown["DataFormatConversionConfiguration"]["Enabled"] is True, shown
    assert shown["DataFormatConversionConfiguration"]["SchemaConfiguration"]["TableName"] == "readings", shown
    assert shown["DataFormatConversionConfiguration"]["OutputFormatConfiguration"] == {
        "Serializer": {"ParquetSerDe": {"Compression": "GZIP"}}}, shown
    lambda_processor = shown["ProcessingConfiguration"]["Processors"][0]
    assert lambda_processor["Type"] == "Lambda", lambda_processor
    assert {"ParameterName": "LambdaArn", "ParameterValue": url} in lambda_processor["Parameters"], lambda_processor

    answer = firehose.put_record_batch(DeliveryStreamName=name, Records=[
        {"Data": b"d1,5"}, {"Data": b"skip"}, {"Data": b"broken"}, {"Data": b"d2,many"}, {"Data": b"d3,7"}])
    assert answer["FailedPutCount"] == 0, answer
    files = flush(name)
    assert len(files) == 3, files
    parquet = [k for k in files if k.endswith(".parquet")]
    assert len(parquet) == 1 and parquet[0].startswith("readings/"), files
    body = s3.get_object(Bucket=bucket, Key=parquet[0])["Body"].read()
    assert body[:4] == b"PAR1" and body[-4:] == b"PAR1", body[:8]
    failed = {}
    for kind in ("processing-failed", "format-conversion-failed"):
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"errors/{kind}/")["Contents"]]
        assert len(keys) == 1, keys
        lines = s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read().decode().splitlines()
        failed[kind] = [base64.b64decode(json.loads(line)["rawData"]).decode() for line in lines]
    assert len(TransformFunction.events) == 1, TransformFunction.events
    assert TransformFunction.events[0]["deliveryStreamArn"].endswith(f"deliverystream/{name}"), TransformFunction.events

    version = described["VersionId"]
    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId=version, DestinationId=DESTINATION,
                                ExtendedS3DestinationUpdate={"DataFormatConversionConfiguration": {"Enabled": False},
                                                             "ProcessingConfiguration": {"Enabled": False}})
    shown = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    shown = shown["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert "DataFormatConversionConfiguration" not in shown and shown["ProcessingConfiguration"]["Enabled"] is False, shown
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    function.shutdown()
    return {"parquet": base64.b64encode(body).decode(), "key": parquet[0], "failed": failed}


class HttpEndpoint(BaseHTTPRequestHandler):
    """Firehose's HTTP endpoint: each request kept (headers and the gunzipped body); /ingest answers with the request's
    id, anything else 500."""
    requests = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = json.loads(body)
        HttpEndpoint.requests.append({"headers": dict(self.headers), "body": request})
        ok = self.path == "/ingest"
        answer = json.dumps({"requestId": request["requestId"], "timestamp": request["timestamp"]} if ok else {}).encode()
        self.send_response(200 if ok else 500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *arguments):
        pass


def http_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HttpEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    name = unique("endpoint")
    bucket = unique("backup")
    destination = {
        "EndpointConfiguration": {"Url": f"{base}/ingest", "Name": "collector", "AccessKey": "key-123"},
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        "RequestConfiguration": {"ContentEncoding": "GZIP", "CommonAttributes": [{"AttributeName": "env", "AttributeValue": "dev"}]},
        "RoleARN": ROLE, "RetryOptions": {"DurationInSeconds": 0}, "S3BackupMode": "FailedDataOnly",
        "S3Configuration": {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}"}}
    expect_error("ValidationException", firehose.create_delivery_stream, DeliveryStreamName=name,
                 HttpEndpointDestinationConfiguration=dict(destination, RetryOptions={"DurationInSeconds": 9000}))
    firehose.create_delivery_stream(DeliveryStreamName=name, HttpEndpointDestinationConfiguration=destination)

    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    shown = described["Destinations"][0]["HttpEndpointDestinationDescription"]
    assert shown["EndpointConfiguration"] == {"Url": f"{base}/ingest", "Name": "collector"}, shown
    assert "key-123" not in json.dumps(described, default=str), described
    assert shown["RequestConfiguration"]["ContentEncoding"] == "GZIP", shown
    assert shown["RetryOptions"] == {"DurationInSeconds": 0} and shown["S3BackupMode"] == "FailedDataOnly", shown
    assert shown["S3DestinationDescription"]["BucketARN"] == f"arn:aws:s3:::{bucket}", shown

    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b'{"n":1}'}, {"Data": b'{"n":2}'}])
    assert flush(name) == [], "a delivered buffer writes no backup file"
    request = HttpEndpoint.requests[-1]
    assert request["headers"]["X-Amz-Firehose-Access-Key"] == "key-123", request
    assert request["headers"]["X-Amz-Firehose-Request-Id"] == request["body"]["requestId"], request
    assert json.loads(request["headers"]["X-Amz-Firehose-Common-Attributes"]) == {"commonAttributes": {"env": "dev"}}, request
    records = [base64.b64decode(r["data"]).decode() for r in request["body"]["records"]]
    assert records == ['{"n":1}', '{"n":2}'], records

    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId=described["VersionId"],
                                DestinationId=DESTINATION,
                                HttpEndpointDestinationUpdate={"EndpointConfiguration": {"Url": f"{base}/refuse"}})
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"n":3}'})
    files = flush(name)
    assert len(files) == 1 and files[0].startswith("http-endpoint-failed/"), files
    line = json.loads(s3.get_object(Bucket=bucket, Key=files[0])["Body"].read().decode().splitlines()[0])
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    server.shutdown()
    return {"requests": len(HttpEndpoint.requests), "failed": base64.b64decode(line["rawData"]).decode(), "errorCode": line["errorCode"]}


if __name__ == "__main__":
    scenario = sys.argv[1]
    observed = globals()[scenario]()
    observed["errors"] = ERRORS
    print(json.dumps(observed))
    print(f"SCENARIO OK {scenario}")
