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
compare_with_rabbitmq engine "spillway engine" 10 3 queue
