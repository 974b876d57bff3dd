#!/usr/bin/env bash
# Invokes a deployed stack's source function with a sample.
#
# Usage: cdk-invoke-deployed.sh STACK SAMPLE
#
# The function name comes from the stack's SourceFunctionName output. The sample is wrapped
# into a CloudWatch Logs subscription event unless it already is one. Prints the end of the
# function's log and its response; exits non-zero when the function failed. AWS is the AWS CLI
# to use (default: aws on the PATH).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 STACK SAMPLE" >&2
  exit 2
fi
stack=$1
sample=$2
aws=${AWS:-aws}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

function_name=$("$aws" cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='SourceFunctionName'].OutputValue" --output text)
if [[ -z $function_name || $function_name == None ]]; then
  echo "stack $stack has no SourceFunctionName output" >&2
  exit 1
fi

payload=$(mktemp)
response=$(mktemp)
trap 'rm -f "$payload" "$response"' EXIT
python3 "$here/wrap-sample.py" "$sample" >"$payload"

result=$("$aws" lambda invoke --function-name "$function_name" --payload "fileb://$payload" \
  --log-type Tail --output json "$response")

python3 - "$result" "$response" <<'PY'
import base64, binascii, json, sys

result = json.loads(sys.argv[1])
log = result.get("LogResult")
if log:
    try:
        print("--- log tail")
        print(base64.b64decode(log).decode("utf-8", "replace").rstrip())
    except (binascii.Error, ValueError):
        print("(the log tail is not base64)")
with open(sys.argv[2], encoding="utf-8", errors="replace") as file:
    print("--- response")
    print(file.read())
error = result.get("FunctionError")
if error:
    print(f"the function failed: {error}", file=sys.stderr)
    sys.exit(1)
PY
