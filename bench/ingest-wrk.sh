#!/usr/bin/env bash
# Durable single-record ingest against a bare Kestrel endpoint, both driven by wrk (Debian's package) in the same
# run, so the load generator takes as little CPU from the server as it can.
#   bench/ingest-wrk.sh [SECONDS] [CONNECTIONS]      defaults: 15 s, 256 connections
# Spillway runs its embedded default (queue + SQLite, workers draining during the load) in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-256}

work=$(mktemp -d -t spillway-wrk-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=bench/wrk-common.sh
source bench/wrk-common.sh

# Prints requests/s; warms up for 5 s first so both servers run compiled code.
measure() {
  local port=$1
  wrk -t2 -c"$connections" -d5s -s "$work/post.lua" "http://127.0.0.1:$port/submit" >/dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/submit" >"$work/wrk-$port.txt"
  grep -E 'Requests/sec|Non-2xx|Socket errors|  (50|99)%' "$work/wrk-$port.txt" | sed 's/^/  /' >&2
  awk '/Requests\/sec/ {print $2}' "$work/wrk-$port.txt"
}

bare_port=$(free_port)
"${spillway[@]}" bench bare-kestrel --urls "http://127.0.0.1:$bare_port" >/dev/null 2>&1 & pids+=($!)
wait_healthy "$bare_port"
echo "bare Kestrel:" >&2
bare=$(measure "$bare_port")
kill "${pids[0]}"

port=$(free_port)
"${spillway[@]}" serve --urls "http://127.0.0.1:$port" --data-dir "$work/data" --Logging:LogLevel:Default=Warning >"$work/serve.log" 2>&1 & pids+=($!)
wait_healthy "$port"
echo "Spillway (durable, workers draining into SQLite):" >&2
ours=$(measure "$port")

python3 - "$bare" "$ours" <<'PY'
import sys
bare, ours = float(sys.argv[1]), float(sys.argv[2])
print(f"ingest: {ours:,.0f} req/s vs bare Kestrel {bare:,.0f} req/s = {ours / bare:.2f}x")
PY
