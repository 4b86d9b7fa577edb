#!/usr/bin/env bash
# Durable stream puts read back: the engine in process, its Kinesis API over HTTP, a RabbitMQ stream queue and
# sequential writes with fdatasync of the same bytes, all in the same run on the same disk.
#
#   bench/streams-vs-rabbitmq.sh [RECORDS] [RECORDS_4K] [ROUNDS] [-- spillway-bench-stream-options...]
#                                (defaults 200000 100-byte records, 500000 4 KiB records, 3 rounds)
#
# Starts a private RabbitMQ node (bench/rabbitmq-node.sh: Debian's rabbitmq-server, loopback only, deleted on exit),
# builds Spillway in Release and runs `spillway bench stream --kinesis --amqp …`: every round runs each contender once
# per record size in a rotating order, and the verdicts take the median of the rounds' ratios against issue 16's
# targets (engine >= 5x the RabbitMQ stream, >= 0.5x the fdatasync bandwidth with 4 KiB records; Kinesis API >= 1x
# the RabbitMQ stream). Options after `--` go to `spillway bench stream` (e.g. --shards 4 --producers 8).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[streams-vs-rabbitmq] %s\n' "$*" >&2; }

positional=()
while [[ $# -gt 0 && "$1" != "--" ]]; do positional+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
LARGE="${positional[1]:-500000}"
ROUNDS="${positional[2]:-3}"
if ! [[ "$LARGE" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [RECORDS] [RECORDS_4K] [ROUNDS] [-- options]  (positive whole numbers)" >&2
    exit 2
fi

# shellcheck source=bench/rabbitmq-node.sh
source "$ROOT/bench/rabbitmq-node.sh" "${positional[0]:-200000}"

build_spillway
log "spillway bench stream: $MESSAGES x 100 B and $LARGE x 4 KiB per run, $ROUNDS rounds"
"${SPILLWAY[@]}" bench stream --records "$MESSAGES" --records-4k "$LARGE" --rounds "$ROUNDS" \
    --amqp "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" --kinesis --data-dir "$WORK" --json "$@"
