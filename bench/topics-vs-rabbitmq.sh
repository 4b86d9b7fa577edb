#!/usr/bin/env bash
# Confirmed fan-out to filtered queues: the engine's topic (10 queue subscriptions, each filter passing half of the
# messages) against a RabbitMQ headers exchange bound to 10 quorum queues with the same selection and publisher
# confirms, in the same run on the same machine.
#
#   bench/topics-vs-rabbitmq.sh [MESSAGES] [ROUNDS] [-- spillway-bench-topic-options...]
#                               (defaults 20000 publishes per run, 3 rounds)
#
# Starts a private RabbitMQ node (bench/rabbitmq-node.sh: Debian's rabbitmq-server, loopback only, deleted on exit),
# builds Spillway in Release and runs `spillway bench topic --amqp …`: every round runs each contender once in a
# rotating order, and the verdict takes the median of the rounds' ratios against issue 17's target (the engine at
# least 3x RabbitMQ's confirmed fan-out rate). Options after `--` go to `spillway bench topic` (e.g. --publishers 16).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[topics-vs-rabbitmq] %s\n' "$*" >&2; }

positional=()
while [[ $# -gt 0 && "$1" != "--" ]]; do positional+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
ROUNDS="${positional[1]:-3}"
if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES] [ROUNDS] [-- options]  (positive whole numbers)" >&2
    exit 2
fi

# shellcheck source=bench/rabbitmq-node.sh
source "$ROOT/bench/rabbitmq-node.sh" "${positional[0]:-20000}"

build_spillway
log "spillway bench topic: $MESSAGES publishes per run, $ROUNDS rounds"
"${SPILLWAY[@]}" bench topic --messages "$MESSAGES" --rounds "$ROUNDS" \
    --amqp "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" --data-dir "$WORK" --json "$@"
