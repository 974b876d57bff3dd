#!/usr/bin/env python3
"""Wrap CloudTrail events in a CloudWatch Logs subscription payload.

Reads one CloudTrail event, or a CloudTrail log file (`{"Records": [...]}`,
plain or gzip-compressed), and prints the payload a Lambda function receives
from a CloudWatch Logs subscription filter on that trail's log group:

    {"awslogs": {"data": "<base64(gzip(json))>"}}

The inner JSON is a `DATA_MESSAGE` with one log event per CloudTrail event,
each message the event as compact JSON; a file that already is a subscription
payload is printed unchanged. With
`--message-type CONTROL_MESSAGE`, the health check CloudWatch Logs sends when
a subscription is created (no input file needed).

Output is deterministic: gzip carries no file time, log event ids derive from
the timestamp and the message, and timestamps come from `--timestamp` (the
first event gets it, each next one a millisecond more) or else from each
event's `eventTime`.

Examples:

    scripts/wrap-sample.py samples/events/iam-user-access-denied-assume-role.json
    scripts/wrap-sample.py samples/trail-logs/denials.json --timestamp 1795512847000
    scripts/wrap-sample.py --message-type CONTROL_MESSAGE --timestamp 1795512847000

Standard library only (Python 3.11+).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

DEFAULT_LOG_GROUP = "CloudTrail/DefaultLogGroup"
DEFAULT_FILTER_NAME = "activity-aware"
CONTROL_TEXT = "CWL CONTROL MESSAGE: Checking health of destination Lambda function."
GZIP_MAGIC = b"\x1f\x8b"


class InputError(Exception):
    """The input is not a CloudTrail event or log file."""


class AlreadyWrapped(Exception):
    """The input is a subscription payload already; it is printed unchanged."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__("already a subscription payload")
        self.payload = payload


def read_bytes(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()

    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read `{source}`: {error.strerror}") from error


def load_events(raw: bytes, source: str) -> list[dict[str, Any]]:
    """The events of a single-event file or a `{"Records": [...]}` file."""
    if raw.startswith(GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise InputError(f"`{source}` looks gzip-compressed but is not: {error}") from error

    try:
        document = json.loads(raw)
    except UnicodeDecodeError as error:
        raise InputError(f"`{source}` is not UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise InputError(f"`{source}` is not JSON: {error}") from error

    if not isinstance(document, dict):
        raise InputError(f"`{source}` holds a JSON {type(document).__name__}, not an object")

    if "awslogs" in document:
        raise AlreadyWrapped(document)

    if "Records" in document:
        records = document["Records"]
        if not isinstance(records, list):
            raise InputError(f"`Records` in `{source}` is not a list")
        events = records
    elif "eventID" in document or "eventTime" in document:
        events = [document]
    else:
        raise InputError(
            f"`{source}` is neither a CloudTrail event (no `eventID` or `eventTime`), "
            "a log file (no `Records`) nor a subscription event (no `awslogs`)"
        )

    if not events:
        raise InputError(f"`Records` in `{source}` is empty")

    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise InputError(f"record {index} in `{source}` is not a JSON object")

    return events


def event_time_ms(event: dict[str, Any]) -> int | None:
    """`eventTime` in milliseconds since the epoch, when it parses."""
    value = event.get("eventTime")
    if not isinstance(value, str):
        return None

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None

    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp() * 1000)


def log_event_id(timestamp_ms: int, index: int, message: str) -> str:
    """A 56-digit id in the shape CloudWatch Logs gives each log event."""
    digest = hashlib.sha256(f"{index}:{message}".encode()).digest()
    tail = int.from_bytes(digest, "big") % 10**43
    return f"{timestamp_ms % 10**13:013d}{tail:043d}"


def first_string(events: list[dict[str, Any]], *path: str) -> str | None:
    for event in events:
        value: Any = event
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def data_message(events: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    owner = (
        args.owner
        or first_string(events, "recipientAccountId")
        or first_string(events, "userIdentity", "accountId")
    )
    if owner is None:
        raise InputError("no event names an account; pass `--owner`")

    log_stream = args.log_stream
    if log_stream is None:
        region = first_string(events, "awsRegion")
        if region is None:
            raise InputError("no event names a region; pass `--log-stream`")
        log_stream = f"{owner}_CloudTrail_{region}"

    regions = {event["awsRegion"] for event in events if isinstance(event.get("awsRegion"), str)}
    if len(regions) > 1:
        # CloudTrail writes each region to its own log stream, so one real
        # delivery never mixes regions; say so rather than refuse.
        print(
            f"wrap-sample: note: events from {len(regions)} regions in one log stream",
            file=sys.stderr,
        )

    now_ms = int(time.time() * 1000)
    log_events = []
    for index, event in enumerate(events):
        if args.timestamp is not None:
            timestamp = args.timestamp + index
        else:
            timestamp = event_time_ms(event) or now_ms

        message = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        log_events.append(
            {
                "id": log_event_id(timestamp, index, message),
                "timestamp": timestamp,
                "message": message,
            }
        )

    return {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": args.log_group,
        "logStream": log_stream,
        "subscriptionFilters": [args.filter_name],
        "logEvents": log_events,
    }


def control_message(args: argparse.Namespace) -> dict[str, Any]:
    timestamp = args.timestamp if args.timestamp is not None else int(time.time() * 1000)
    return {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": timestamp, "message": CONTROL_TEXT}],
    }


def wrap(inner: dict[str, Any]) -> dict[str, Any]:
    compact = json.dumps(inner, separators=(",", ":"), ensure_ascii=False).encode()
    data = base64.b64encode(gzip.compress(compact, compresslevel=6, mtime=0)).decode("ascii")
    return {"awslogs": {"data": data}}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Wrap CloudTrail events in a CloudWatch Logs subscription payload.",
    )
    parser.add_argument(
        "input",
        nargs="?",
        help="event file or CloudTrail log file (.json or .json.gz); `-` reads stdin",
    )
    parser.add_argument(
        "--message-type",
        choices=["DATA_MESSAGE", "CONTROL_MESSAGE"],
        default="DATA_MESSAGE",
    )
    parser.add_argument(
        "--timestamp",
        type=int,
        metavar="MS",
        help="log event time in milliseconds since the epoch (default: each eventTime)",
    )
    parser.add_argument("--owner", help="account id (default: the events' recipientAccountId)")
    parser.add_argument("--log-group", default=DEFAULT_LOG_GROUP)
    parser.add_argument(
        "--log-stream",
        help="log stream name (default: <owner>_CloudTrail_<region of the first event>)",
    )
    parser.add_argument("--filter-name", default=DEFAULT_FILTER_NAME)
    args = parser.parse_args(argv)

    if args.message_type == "DATA_MESSAGE" and args.input is None:
        parser.error("an input file is needed for a DATA_MESSAGE")
    if args.timestamp is not None and args.timestamp < 0:
        parser.error("`--timestamp` must not be negative")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)

    try:
        if args.message_type == "CONTROL_MESSAGE":
            inner = control_message(args)
        else:
            inner = data_message(load_events(read_bytes(args.input), args.input), args)
        payload = wrap(inner)
    except AlreadyWrapped as wrapped:
        payload = wrapped.payload
    except InputError as error:
        print(f"wrap-sample: {error}", file=sys.stderr)
        return 1

    json.dump(payload, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
