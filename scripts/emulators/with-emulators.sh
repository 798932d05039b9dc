#!/usr/bin/env bash
# Run a command with the AWS emulator up: start it (with the table and
# queues of template.yaml), run CMD with its environment, stop it, and exit
# with CMD's status.
#
# usage: scripts/emulators/with-emulators.sh CMD [ARGS...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/emulators"
STATE="$(mktemp -d "${TMPDIR:-/tmp}/jobline-emulators.XXXXXX")"

cleanup() {
	"$HERE/stop.sh" "$STATE"
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

"$HERE/start.sh" "$STATE" >/dev/null
# shellcheck disable=SC1091
source "$STATE/env"
echo "with-emulators: moto at $AWS_ENDPOINT_URL (table $JOBLINE_TABLE)" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
