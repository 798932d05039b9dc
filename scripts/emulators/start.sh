#!/usr/bin/env bash
# Start the AWS emulator (moto: DynamoDB, SQS, S3, CloudFormation) on a free
# 127.0.0.1 port, deploy template.yaml into it as a stack (deploy_stack.py:
# the SAM translator, then moto's CloudFormation), and print the environment
# (export lines, from the stack's outputs) that points Jobline and its tests
# at it.
#
# usage: scripts/emulators/start.sh [STATE_DIR]   (default .emulators)
# The server's pid, log and env file live in STATE_DIR; stop.sh STATE_DIR
# stops it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/emulators"
STATE="${1:-$ROOT/.emulators}"
PY="$ROOT/.venv/bin/python"

if [[ ! -x "$PY" ]] || ! "$PY" -c 'import moto, boto3, samtranslator' 2>/dev/null; then
	echo "start.sh: moto or the SAM translator is not installed in $ROOT/.venv; run 'make venv'" >&2
	exit 1
fi
mkdir -p "$STATE"
if [[ -f "$STATE/pid" ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
	echo "start.sh: emulator already running (pid $(cat "$STATE/pid")); stop it with scripts/emulators/stop.sh $STATE" >&2
	exit 1
fi
rm -f "$STATE/port" "$STATE/env"

"$PY" "$HERE/serve.py" "$STATE/port" >"$STATE/moto.log" 2>&1 &
echo $! >"$STATE/pid"

for _ in $(seq 1 300); do
	if [[ -s "$STATE/port" ]] && curl -s -o /dev/null "http://127.0.0.1:$(cat "$STATE/port")/moto-api/data.json"; then
		break
	fi
	if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
		echo "start.sh: moto exited; log:" >&2
		cat "$STATE/moto.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [[ ! -s "$STATE/port" ]]; then
	echo "start.sh: moto did not answer within 30s" >&2
	"$HERE/stop.sh" "$STATE"
	exit 1
fi
ENDPOINT="http://127.0.0.1:$(cat "$STATE/port")"

{
	echo "export AWS_ENDPOINT_URL=$ENDPOINT"
	echo "export JOBLINE_TEST_AWS_ENDPOINT=$ENDPOINT"
	echo "export AWS_ACCESS_KEY_ID=test"
	echo "export AWS_SECRET_ACCESS_KEY=test"
	echo "export AWS_REGION=us-east-1"
	echo "export AWS_DEFAULT_REGION=us-east-1"
	echo "export AWS_EC2_METADATA_DISABLED=true"
	"$PY" "$HERE/deploy_stack.py" "$ROOT/template.yaml" "$ENDPOINT" jobline 2>>"$STATE/deploy.log" || {
		cat "$STATE/deploy.log" >&2
		exit 1
	}
} >"$STATE/env.tmp"
mv "$STATE/env.tmp" "$STATE/env"
cat "$STATE/env"
