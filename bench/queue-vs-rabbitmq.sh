#!/usr/bin/env bash
# The engine against a RabbitMQ quorum queue, measured in the same run on the same machine.
#
#   bench/queue-vs-rabbitmq.sh [MESSAGES]     (default 200000)
#
# Starts a private RabbitMQ node (bench/rabbitmq-node.sh: installs Debian's rabbitmq-server if missing, loopback only,
# stopped and deleted on exit), runs `spillway bench queue` and `spillway bench rabbitmq` with the same message count,
# and prints both figures and the ratio.
set -euo pipefail

MESSAGES="${1:-200000}"
if ! [[ "$MESSAGES" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES]  (a positive whole number, default 200000)" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[queue-vs-rabbitmq] %s\n' "$*" >&2; }

# shellcheck source=bench/rabbitmq-node.sh
source "$ROOT/bench/rabbitmq-node.sh"

build_spillway
log "spillway bench queue --messages $MESSAGES"
"${SPILLWAY[@]}" bench queue --messages "$MESSAGES" --json | tee "$WORK/queue.out" >&2
log "spillway bench rabbitmq --messages $MESSAGES (quorum queue)"
"${SPILLWAY[@]}" bench rabbitmq --amqp "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" --messages "$MESSAGES" --json \
    | tee "$WORK/rabbitmq.out" >&2

ENGINE="$(figure "$WORK/queue.out" messagesPerSecond)"
RABBIT="$(figure "$WORK/rabbitmq.out" messagesPerSecond)"
if [[ -z "$ENGINE" || -z "$RABBIT" ]]; then
    echo "could not read messagesPerSecond from both benchmarks" >&2
    exit 1
fi
RATIO="$(awk -v e="$ENGINE" -v r="$RABBIT" 'BEGIN { printf "%.2f", e / r }')"
VERDICT="$(awk -v x="$RATIO" 'BEGIN { print (x >= 10 ? "meets" : "misses") }')"

echo
echo "send + receive + delete, concurrent, $MESSAGES messages of 100 bytes:"
printf '  spillway engine:          %12.0f msg/s\n' "$ENGINE"
printf '  RabbitMQ quorum queue:    %12.0f msg/s\n' "$RABBIT"
echo "  ratio engine / RabbitMQ:  ${RATIO}x ($VERDICT issue 3's target of >= 10x)"
printf '{"messages":%s,"engineMessagesPerSecond":%s,"rabbitMqMessagesPerSecond":%s,"ratio":%s}\n' \
    "$MESSAGES" "$ENGINE" "$RABBIT" "$RATIO"
