#!/usr/bin/env python3
"""Turns a sample into the event CloudWatch Logs sends a subscribed Lambda function.

The sample is a single CloudTrail event, a CloudTrail log file ({"Records": [...]}), or
already a subscription event ({"awslogs": {"data": ...}}), which is printed unchanged.
Each CloudTrail event becomes one log event; the batch is gzipped and base64-encoded
(padded) under awslogs.data, as CloudWatch Logs delivers it.

Usage: cdk-wrap-sample.py SAMPLE [--log-group NAME] [--filter-name NAME] > event.json
"""

import argparse
import base64
import datetime
import gzip
import json
import sys

DEFAULT_LOG_GROUP = "CloudTrail/DefaultLogGroup"
DEFAULT_FILTER_NAME = "activity-aware"


class SampleError(Exception):
    """The sample is not something this script can wrap."""


def load_events(document):
    """The CloudTrail events in a parsed sample, or None for a subscription event."""
    if isinstance(document, dict) and "awslogs" in document:
        return None
    if isinstance(document, dict) and "Records" in document:
        records = document["Records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SampleError("`Records` must be a list of CloudTrail events")
        return records
    if isinstance(document, dict) and "eventName" in document:
        return [document]
    raise SampleError(
        "the sample is neither a CloudTrail event (no `eventName`), a log file "
        "(no `Records`) nor a subscription event (no `awslogs`)"
    )


def timestamp_millis(event):
    """The event's `eventTime` in milliseconds since the epoch, or now when absent or bad."""
    text = event.get("eventTime")
    if isinstance(text, str):
        try:
            parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return int(parsed.timestamp() * 1000)
        except ValueError:
            pass
    return int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)


def stream_name(events):
    """A log stream named as CloudTrail names them: <account>_CloudTrail_<region>."""
    first = events[0] if events else {}
    account = first.get("recipientAccountId") or "000000000000"
    region = first.get("awsRegion") or "us-east-1"
    return f"{account}_CloudTrail_{region}", account


def subscription_event(events, log_group, filter_name):
    """The subscription event carrying `events`, as CloudWatch Logs sends it."""
    log_stream, owner = stream_name(events)
    log_events = []
    for index, event in enumerate(events):
        millis = timestamp_millis(event)
        log_events.append(
            {
                # Log event ids are 56 decimal digits; this one is unique within the batch.
                "id": f"{millis:020d}{index:036d}",
                "timestamp": millis,
                "message": json.dumps(event, separators=(",", ":")),
            }
        )
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": [filter_name],
        "logEvents": log_events,
    }
    compressed = gzip.compress(json.dumps(data).encode("utf-8"), mtime=0)
    return {"awslogs": {"data": base64.b64encode(compressed).decode("ascii")}}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", help="a CloudTrail event, log file or subscription event")
    parser.add_argument("--log-group", default=DEFAULT_LOG_GROUP)
    parser.add_argument("--filter-name", default=DEFAULT_FILTER_NAME)
    args = parser.parse_args(argv)

    try:
        with open(args.sample, "rb") as file:
            raw = file.read()
        if args.sample.endswith(".gz"):
            raw = gzip.decompress(raw)
        document = json.loads(raw)
        events = load_events(document)
    except (OSError, ValueError, SampleError) as error:
        print(f"cdk-wrap-sample: {args.sample}: {error}", file=sys.stderr)
        return 1

    wrapped = document if events is None else subscription_event(
        events, args.log_group, args.filter_name
    )
    json.dump(wrapped, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
