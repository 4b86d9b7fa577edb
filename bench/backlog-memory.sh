#!/usr/bin/env bash
# Resident memory of a real server holding a backlog after a restart, against the same server empty.
#   bench/backlog-memory.sh [RECORDS] [SETTLE_SECONDS]      defaults: 1,000,000 records, 10 s
#   SPILLWAY_DLL=other/spillway.dll bench/backlog-memory.sh  measures that build instead of building this tree
# `spillway serve` runs its embedded default (queue + SQLite) in a temp directory with the submit worker disabled, so
# every record POSTed to /submit (NDJSON, 1,000 per request) stays waiting. The server is stopped (SIGTERM) and
# started again; once it serves, and again after SETTLE_SECONDS, its VmRSS is read from /proc. The baseline is the
# same server's VmRSS with an empty queue, read the same way after its own first start.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
settle=${2:-10}
per_request=1000
goal_mb=200

work=$(mktemp -d -t spillway-backlog-XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
spillway_dll=${SPILLWAY_DLL:-}
if [ -z "$spillway_dll" ]; then
  dotnet build src/Spillway -c Release -nologo -v q >/dev/null
  spillway_dll=src/Spillway/bin/Release/net10.0/spillway.dll
fi
port=$(free_port)

# start: the server in the background; returns once /healthz answers.
start() {
  dotnet "$spillway_dll" serve --urls "http://127.0.0.1:$port" --data-dir "$work/data" \
    --Spillway:Workers:submit:Enabled=false --Logging:LogLevel:Default=Warning >>"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not start:" >&2; cat "$work/serve.log" >&2; return 1
}

stop() { kill "$pid"; wait "$pid" || true; pid=""; }

# rss_mb: the server's resident memory now, in MB (MiB, as the queue benchmark prints it).
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }

waiting() { curl -sf "http://127.0.0.1:$port/v1/overview" | jq '[.queues[] | select(.name == "submit") | .visible] | add'; }

echo "empty server:" >&2
start
sleep "$settle"
empty=$(rss_mb)
echo "  resident ${empty} MB" >&2

echo "ingesting $records records through POST /submit ($per_request per request), worker disabled:" >&2
for i in $(seq 1 "$per_request"); do
  printf '{"name":"user %d","email":"user%d@example.com"}\n' "$i" "$i"
done >"$work/batch.ndjson"
requests=$((records / per_request))
clock=$(date +%s.%N)
# One connection per parallel stream, URL globbing for the repeats; every answer must be 202.
codes=$(curl -s --no-progress-meter -Z --parallel-max 4 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-ndjson' \
  --data-binary "@$work/batch.ndjson" "http://127.0.0.1:$port/submit?request=[1-$requests]" | sort | uniq -c)
elapsed=$(echo "$(date +%s.%N) - $clock" | bc)
echo "  answers: $(echo "$codes" | xargs); $(printf '%.1f' "$elapsed") s" >&2
ingested=$(rss_mb)
sleep "$settle"
idle=$(rss_mb)
echo "  resident at the end of the ingest: ${ingested} MB, ${idle} MB ${settle} s later; waiting: $(waiting)" >&2

echo "restart:" >&2
stop
start
first=$(rss_mb)
count=$(waiting)
sleep "$settle"
settled=$(rss_mb)
stop

if [ "$count" != "$records" ]; then
  echo "expected $records waiting after the restart, found $count" >&2
  exit 1
fi

python3 - "$records" "$empty" "$first" "$settled" "$goal_mb" "$settle" <<'PY'
import sys
records, empty, first, settled, goal, settle = int(sys.argv[1]), *map(float, sys.argv[2:6]), sys.argv[6]
worst = max(first, settled)
print(f"server with {records:,} waiting after a restart: resident {first:.0f} MB once serving, "
      f"{settled:.0f} MB {settle} s later (goal <= {goal:.0f} MB: {'met' if worst <= goal else 'NOT met'})")
print(f"empty server: {empty:.0f} MB; the backlog costs {worst - empty:.0f} MB "
      f"= {(worst - empty) * 1024 * 1024 / records:.0f} bytes per waiting record; {worst / empty:.2f}x the empty server")
PY
