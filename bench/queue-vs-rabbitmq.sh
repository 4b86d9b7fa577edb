#!/usr/bin/env bash
# The engine against a RabbitMQ quorum queue, measured in the same run on the same machine.
#
#   bench/queue-vs-rabbitmq.sh [MESSAGES] [SENDERS] [ROUNDS]     (defaults 200000, 256 and 3)
#
# SENDERS is the concurrency of both sides: the engine's single-message senders and RabbitMQ's publishers (one
# channel per 8 of them), each waiting for its message to be durable (fsync / publisher confirm) before the next.
# The two runs alternate ROUNDS times and the verdict takes the median ratio.
# Starts a private RabbitMQ node (bench/rabbitmq-node.sh: installs Debian's rabbitmq-server if missing, loopback only,
# stopped and deleted on exit), runs `spillway bench queue` and `spillway bench rabbitmq` with the same message count,
# and prints both figures and the ratio.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[queue-vs-rabbitmq] %s\n' "$*" >&2; }

SENDERS="${2:-256}"
ROUNDS="${3:-3}"
if ! [[ "$SENDERS" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES] [SENDERS] [ROUNDS]  (positive whole numbers)" >&2
    exit 2
fi

# shellcheck source=bench/rabbitmq-node.sh
source "$ROOT/bench/rabbitmq-node.sh" "$@"

RABBITMQ_ARGS=(--publishers "$SENDERS" --channels "$(( (SENDERS + 7) / 8 ))")

build_spillway
compare_with_rabbitmq engine "spillway engine ($SENDERS senders)" 10 3 queue --senders "$SENDERS"
