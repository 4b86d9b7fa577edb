#!/usr/bin/env bash
# A real server keeping a million stream records no consumer has read: its resident memory, and how fast it is ready
# again after SIGKILL.
#   bench/stream-backlog-memory.sh [RECORDS] [SETTLE_SECONDS] [SHARDS]    defaults: 1,000,000 records, 10 s, 4 shards
#   SPILLWAY_DLL=other/spillway.dll bench/stream-backlog-memory.sh        measures that build instead of this tree
# `spillway serve` runs its embedded default in a temp directory. A stream is created (POST /v1/streams) and the
# records go in through POST /v1/streams/{name}/records, 500 of 100 bytes per request (four connections, every answer
# checked to be 200). The server is then killed with SIGKILL and started again; the restart is
# timed from the new process's start until /healthz answers and the stream holds every record, and its VmRSS is read
# once it serves and SETTLE_SECONDS later. The baseline is the same server's VmRSS empty, read the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
settle=${2:-10}
shards=${3:-4}
per_request=500
goal_mb=200
goal_ready_s=3

work=$(mktemp -d -t spillway-stream-backlog-XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
spillway_dll=${SPILLWAY_DLL:-}
if [ -z "$spillway_dll" ]; then
  dotnet build src/Spillway -c Release -nologo -v q >/dev/null
  spillway_dll=src/Spillway/bin/Release/net10.0/spillway.dll
fi
port=$(free_port)
base="http://127.0.0.1:$port"

# start: the server in the background; returns once /healthz answers, and sets ready_s to the seconds that took.
start() {
  local clock
  clock=$(date +%s.%N)
  dotnet "$spillway_dll" serve --urls "$base" --data-dir "$work/data" --Logging:LogLevel:Default=Warning >>"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do
    if curl -sf "$base/healthz" >/dev/null; then
      ready_s=$(echo "$(date +%s.%N) - $clock" | bc)
      return 0
    fi
    sleep 0.01
  done
  echo "the server did not start:" >&2; cat "$work/serve.log" >&2; return 1
}

rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }

kept() { curl -sf "$base/v1/streams/readings" | jq '.recordsKept'; }

echo "empty server:" >&2
start
sleep "$settle"
empty=$(rss_mb)
echo "  resident ${empty} MB" >&2

curl -sf -o /dev/null -H 'Content-Type: application/json' -d "{\"name\":\"readings\",\"shardCount\":$shards}" "$base/v1/streams"
python3 - "$per_request" >"$work/batch.json" <<'PY'
import json, sys
n = int(sys.argv[1])
# 100 bytes of data per record, a key per device so the records spread over the shards.
print(json.dumps({"records": [{"partitionKey": f"device-{i}", "text": f"{i:08d}" + "x" * 92} for i in range(n)]}))
PY
requests=$((records / per_request))
echo "putting $records records into 'readings' ($shards shards) through POST /v1/streams/readings/records, $per_request per request:" >&2
clock=$(date +%s.%N)
# Shard quotas are off, so a 200 has no failed record; the count kept is checked after the restart.
answers=$(curl -s --no-progress-meter -Z --parallel-max 4 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
  --data-binary "@$work/batch.json" "$base/v1/streams/readings/records?request=[1-$requests]" | sort | uniq -c)
elapsed=$(echo "$(date +%s.%N) - $clock" | bc)
echo "  answers: $(echo "$answers" | xargs); $(printf '%.1f' "$elapsed") s" >&2
ingested=$(rss_mb)
echo "  resident at the end of the puts: ${ingested} MB; records kept: $(kept)" >&2

echo "SIGKILL and restart:" >&2
kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
start
count=$(kept)
first=$(rss_mb)
sleep "$settle"
settled=$(rss_mb)

if [ "$count" != "$records" ]; then
  echo "expected $records records kept after the restart, found $count" >&2
  exit 1
fi

python3 - "$records" "$empty" "$first" "$settled" "$goal_mb" "$settle" "$ready_s" "$goal_ready_s" <<'PY'
import sys
records = int(sys.argv[1]); empty, first, settled, goal = map(float, sys.argv[2:6]); settle = sys.argv[6]
ready, goal_ready = float(sys.argv[7]), float(sys.argv[8])
worst = max(first, settled)
print(f"server keeping {records:,} unread stream records, after SIGKILL: ready in {ready:.2f} s "
      f"(goal < {goal_ready:.0f} s: {'met' if ready < goal_ready else 'NOT met'}), every record kept")
print(f"resident {first:.0f} MB once serving, {settled:.0f} MB {settle} s later "
      f"(goal < {goal:.0f} MB: {'met' if worst < goal else 'NOT met'})")
print(f"empty server: {empty:.0f} MB; the records cost {worst - empty:.0f} MB "
      f"= {(worst - empty) * 1024 * 1024 / records:.0f} bytes per record kept")
PY
