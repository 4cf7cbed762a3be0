"""A Direct PUT producer written with boto3 (the AWS SDK for Python), as a team would write one for Firehose.

Usage: direct-put-boto3.py ENDPOINT STREAM ACCESS_KEY_ID SECRET REGION
Puts records with put_record_batch and put_record, and tries what Firehose refuses (a record over 1,000 KiB, a
stream that does not exist, a wrong secret). Prints one JSON object: every record stored, with the RecordId it was
given and its data in base64, and the error code boto3 raised for each refusal.
"""
import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError


def client(endpoint, key, secret, region):
    # No retries: a refusal must show as the error the server answered, not be retried away.
    return boto3.client(
        "firehose", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret, region_name=region,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def error_code(call):
    try:
        call()
        return None
    except ClientError as error:
        return error.response["Error"]["Code"]
    except ParamValidationError:
        return "ParamValidationError"


def main():
    endpoint, stream, key, secret, region = sys.argv[1:6]
    firehose = client(endpoint, key, secret, region)
    stored = []

    description = firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"]
    names = firehose.list_delivery_streams()["DeliveryStreamNames"]

    for batch in range(3):
        records = [json.dumps({"client": "boto3", "batch": batch, "n": n, "text": "ü" * (n % 7)}).encode() for n in range(200)]
        if batch == 1:
            records.append(bytes(range(256)) * 4)
        answer = firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": r} for r in records])
        assert answer["FailedPutCount"] == 0, answer
        for record, entry in zip(records, answer["RequestResponses"]):
            stored.append({"id": entry["RecordId"], "data": base64.b64encode(record).decode()})

    largest = b"L" * 1_024_000
    for record in [b'{"client":"boto3","single":true}', largest]:
        answer = firehose.put_record(DeliveryStreamName=stream, Record={"Data": record})
        stored.append({"id": answer["RecordId"], "data": base64.b64encode(record).decode()})

    refusals = {
        "tooLarge": error_code(lambda: firehose.put_record(DeliveryStreamName=stream, Record={"Data": b"x" * 1_024_001})),
        "tooMany": error_code(lambda: firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b"x"}] * 501)),
        "noSuchStream": error_code(lambda: firehose.put_record(DeliveryStreamName="no-such-stream", Record={"Data": b"x"})),
        "wrongSecret": error_code(lambda: client(endpoint, key, "not-the-secret", region).put_record(DeliveryStreamName=stream, Record={"Data": b"x"})),
        "unknownKey": error_code(lambda: client(endpoint, "AKIAUNKNOWNKEY000001", secret, region).put_record(DeliveryStreamName=stream, Record={"Data": b"x"})),
    }

    print(json.dumps({
        "stored": stored,
        "refusals": refusals,
        "type": description["DeliveryStreamType"],
        "status": description["DeliveryStreamStatus"],
        "names": names,
    }))


if __name__ == "__main__":
    main()
