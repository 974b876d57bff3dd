#!/usr/bin/env bash
# Runs every CloudTrail log of the shared corpus through the source's command
# line into an SNS topic of the local AWS API emulator, with an SQS queue
# subscribed, then checks what the queue received against what the source
# prints for the same input: the same message ids, each exactly once, each
# valid under the message schema and under SNS's 256 KiB limit.
#
#   make corpus-through-emulator            (builds the source and the emulator first)
#   scripts/corpus-through-emulator.sh [TRAIL_LOG...]
#
# Settings: MOTO_SERVER (default .venv/bin/moto_server), SOURCE_BIN (default the debug
# build), REPORT (default all), FILTER_PATTERN (default empty: every event).

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=$root/.venv/bin/python
moto=${MOTO_SERVER:-$root/.venv/bin/moto_server}
source_bin=${SOURCE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/activity-aware/target}/debug/source-cloudtrail}
schema=$root/shared/schema/message-v1.schema.json
export REPORT=${REPORT:-all}
export FILTER_PATTERN=${FILTER_PATTERN-}

if [ $# -gt 0 ]; then
    logs=("$@")
else
    corpus=$root/../shared/corpus/trail-logs
    [ -d "$corpus" ] || { echo "the corpus is absent: $corpus" >&2; exit 1; }
    logs=("$corpus"/*.json.gz)
fi
[ -x "$moto" ] || { echo "moto_server not found at $moto: run \`make venv\`" >&2; exit 1; }
[ -x "$source_bin" ] || { echo "$source_bin not found: run \`make build-debug\`" >&2; exit 1; }

work=$(mktemp -d)
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null; wait "$moto_pid" 2>/dev/null; rm -rf "$work"' EXIT

# Dummy credentials for the emulator only; nothing here may reach a real account.
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN

# A topic and a queue subscribed to it, without raw delivery.
read -r topic_arn queue_url < <("$python" - <<'EOF'
import time, boto3
for _ in range(300):
    try:
        sns = boto3.client("sns")
        sns.list_topics()
        break
    except Exception:
        time.sleep(0.1)
sqs = boto3.client("sqs")
topic = sns.create_topic(Name="activity-aware")["TopicArn"]
queue = sqs.create_queue(QueueName="activity-aware-corpus")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
print(topic, queue)
EOF
)

echo "topic: $topic_arn; REPORT=$REPORT FILTER_PATTERN='$FILTER_PATTERN'; ${#logs[@]} trail log(s)"

# What the source makes, printed.
env -u TOPIC_ARN "$source_bin" "${logs[@]}" >"$work/expected.jsonl" 2>"$work/expected.err"

QUEUE_URL=$queue_url SCHEMA=$schema EXPECTED=$work/expected.jsonl DONE=$work/published \
    "$python" - <<'EOF' >"$work/check.out" 2>&1 &
import collections, json, os, sys, time
import boto3, jsonschema

LIMIT = 262_144
queue = os.environ["QUEUE_URL"]
validator = jsonschema.Draft202012Validator(json.load(open(os.environ["SCHEMA"])))
expected = [json.loads(line) for line in open(os.environ["EXPECTED"]) if line.strip()]
sqs = boto3.client("sqs")

# Reads while the source publishes: the emulator slows down as a queue grows.
received, empty = [], 0
while empty < 2:
    batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                MessageAttributeNames=["All"]).get("Messages", [])
    if not batch:
        if os.path.exists(os.environ["DONE"]):
            empty += 1
        else:
            time.sleep(0.05)
        continue
    received.extend(json.loads(m["Body"]) for m in batch)
    sqs.delete_message_batch(QueueUrl=queue, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])

problems, invalid = [], set()
ids, severities, largest, trimmed = [], collections.Counter(), 0, 0
for envelope in received:
    text = envelope["Message"]
    message = json.loads(text)
    for error in validator.iter_errors(message):
        invalid.add(message.get("id"))
        problems.append(f"{message.get('id')}: {error.message}")
    attributes = envelope.get("MessageAttributes", {})
    size = len(text.encode()) + sum(len(k) + len(v["Type"]) + len(v["Value"].encode())
                                    for k, v in attributes.items())
    largest = max(largest, size)
    if size >= LIMIT:
        problems.append(f"{message['id']}: {size} bytes")
    if attributes.get("severity", {}).get("Value") != message["severity"]:
        problems.append(f"{message['id']}: severity attribute differs")
    if any(d["label"] == "Trimmed to fit" for d in message["details"]):
        trimmed += 1
    ids.append(message["id"])
    severities[message["severity"]] += 1

duplicates = [i for i, n in collections.Counter(ids).items() if n > 1]
expected_ids = sorted(m["id"] for m in expected)
print(f"source printed {len(expected)} message(s); the queue received {len(received)}, "
      f"{len(set(ids))} distinct, {len(duplicates)} duplicated")
print("by severity: " + ", ".join(f"{s} {severities[s]}"
                                  for s in ["info", "low", "medium", "high", "critical"]))
print(f"valid under the schema: {len(received) - len(invalid)}; "
      f"largest message with attributes: {largest} bytes; trimmed: {trimmed}")
if sorted(ids) != expected_ids:
    problems.append("the queue's message ids differ from what the source printed")
for problem in problems[:20]:
    print("problem:", problem, file=sys.stderr)
sys.exit(1 if problems or duplicates else 0)
EOF
check_pid=$!

# The same input published to the topic, while the queue is read and checked.
started=$(date +%s.%N)
TOPIC_ARN=$topic_arn "$source_bin" "${logs[@]}" 2>"$work/publish.err"
finished=$(date +%s.%N)
tail -n 1 "$work/publish.err"
echo "publish requests: $(grep -o 'in [0-9]* request' "$work/publish.err" | awk '{s += $2} END {print s + 0}'); \
trimmed: $(grep -o '[0-9]* trimmed' "$work/publish.err" | awk '{s += $1} END {print s + 0}'); \
seconds: $("$python" -c "print(round($finished - $started, 1))")"
touch "$work/published"
status=0
wait "$check_pid" || status=$?
cat "$work/check.out"
exit "$status"
