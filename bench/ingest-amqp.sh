#!/usr/bin/env bash
# Per-node ingest through RabbitMQ against the embedded engine, and two gateway processes against one, in one run.
#   bench/ingest-amqp.sh [SECONDS] [CONNECTIONS]      defaults: 15 s, 256 connections
# Every server is ingest only (no worker draining), so each figure is what one gateway node accepts durably:
#   embedded   spillway serve, queue in its own log (group commit + fsync), worker disabled
#   amqp x1    spillway serve --role gateway --transport amqp://…, publisher confirms from a quorum queue
#   amqp x2    two such gateways, each driven by its own wrk with half the connections, figures summed
# RabbitMQ is a private node from scripts/rabbitmq.sh on the same machine, so it competes for the same cores: on a
# machine of its own (as in a deployment) the RabbitMQ figures would be higher.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-256}

work=$(mktemp -d -t spillway-ingest-amqp-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/rabbitmq.sh stop "$work" || true
  rm -rf "$work"
}
trap cleanup EXIT

scripts/rabbitmq.sh start "$work"
# shellcheck disable=SC1091
source "$work/env"
# shellcheck source=bench/wrk-common.sh
source bench/wrk-common.sh

# serve NAME [ARGS…]: starts an ingest-only node; its port is left in $port.
serve() {
  local name=$1; shift
  port=$(free_port)
  "${spillway[@]}" serve --urls "http://127.0.0.1:$port" --data-dir "$work/$name" --Logging:LogLevel:Default=Warning \
    --Spillway:Workers:submit:Enabled=false --Spillway:Routes:submit:MaxBacklog=100000000 "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_healthy "$port"
}

# measure CONNECTIONS PORT…: one wrk per port at the same time, each with CONNECTIONS / ports; prints the summed
# req/s. Called in a subshell, so its `wait` waits for its own wrk runs only.
measure() {
  local total=$1; shift
  local each=$(( total / $# )) port
  for port in "$@"; do wrk -t1 -c"$each" -d3s -s "$work/post.lua" "http://127.0.0.1:$port/submit" >/dev/null & done
  wait
  for port in "$@"; do
    wrk -t1 -c"$each" -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/submit" >"$work/wrk-$port.txt" &
  done
  wait
  for port in "$@"; do grep -E 'Requests/sec|Non-2xx|Socket errors|  99%' "$work/wrk-$port.txt" | sed "s/^/  [$port] /" >&2; done
  for port in "$@"; do awk '/Requests\/sec/ {print $2}' "$work/wrk-$port.txt"; done | awk '{s+=$1} END {printf "%.0f\n", s}'
}
stop_nodes() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

echo "embedded engine, one node:" >&2
serve embedded
embedded=$(measure "$connections" "$port")
stop_nodes

echo "RabbitMQ quorum queue, one gateway:" >&2
serve amqp-1 --role gateway --transport "$SPILLWAY_TEST_AMQP"
one=$(measure "$connections" "$port")
stop_nodes
"$work/rabbitmq/ctl" purge_queue submit >/dev/null 2>&1 || true

echo "RabbitMQ quorum queue, two gateways:" >&2
serve amqp-2a --role gateway --transport "$SPILLWAY_TEST_AMQP"
port1=$port
serve amqp-2b --role gateway --transport "$SPILLWAY_TEST_AMQP"
port2=$port
two=$(measure "$connections" "$port1" "$port2")
stop_nodes

python3 - "$embedded" "$one" "$two" "$(nproc)" <<'PY'
import json, sys
embedded, one, two, cores = (float(x) for x in sys.argv[1:5])
print(f"durable single-record ingest, {int(cores)} cores shared by wrk, the nodes and RabbitMQ:")
print(f"  embedded engine, 1 node:    {embedded:10,.0f} req/s")
print(f"  RabbitMQ, 1 gateway:        {one:10,.0f} req/s  ({one / embedded:.2f}x embedded)")
print(f"  RabbitMQ, 2 gateways:       {two:10,.0f} req/s  ({two / one:.2f}x one gateway)")
print(json.dumps({"embeddedPerSecond": embedded, "amqpOneGatewayPerSecond": one, "amqpTwoGatewaysPerSecond": two}))
PY
