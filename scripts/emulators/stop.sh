#!/usr/bin/env bash
# Stop the emulator that start.sh started in STATE_DIR (default .emulators).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${1:-$ROOT/.emulators}"

if [[ -f "$STATE/pid" ]]; then
	pid="$(cat "$STATE/pid")"
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$STATE/pid" "$STATE/port" "$STATE/env"
fi
