"""Signs requests with botocore's own SigV4 signers, at a fixed time, so the tests compare against AWS's implementation.

stdin: a JSON list of {method, url, headers, body, accessKeyId, secret, region, time: "YYYYMMDDTHHMMSSZ",
presign: bool, expires: int}. stdout: a JSON list of {url, headers, body} as they would go over the wire.
"""
import datetime
import json
import sys
import types
import urllib.parse

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

frozen = [None]


class FrozenDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return frozen[0]

    @classmethod
    def now(cls, tz=None):
        return frozen[0].replace(tzinfo=tz) if tz else frozen[0]


botocore.auth.datetime = types.SimpleNamespace(datetime=FrozenDateTime, timezone=datetime.timezone, timedelta=datetime.timedelta)

signed = []
for item in json.load(sys.stdin):
    frozen[0] = datetime.datetime.strptime(item["time"], "%Y%m%dT%H%M%SZ")
    credentials = Credentials(item["accessKeyId"], item["secret"])
    data = item["body"].encode("utf-8")
    if item.get("presign"):
        # The presigner moves a form body into the query string; it reads the body as a dict.
        data = dict(urllib.parse.parse_qsl(item["body"], keep_blank_values=True))
    request = AWSRequest(method=item["method"], url=item["url"], data=data, headers=item.get("headers", {}))
    if item.get("presign"):
        botocore.auth.SigV4QueryAuth(credentials, "sqs", item["region"], expires=item.get("expires", 300)).add_auth(request)
    else:
        botocore.auth.SigV4Auth(credentials, "sqs", item["region"]).add_auth(request)
    prepared = request.prepare()
    body = prepared.body or b""
    signed.append({
        "method": prepared.method,
        "url": prepared.url,
        "headers": dict(prepared.headers),
        "body": body.decode("utf-8") if isinstance(body, bytes) else body,
    })
json.dump(signed, sys.stdout)
