#!/usr/bin/env bash
# The SQS API over HTTP against RabbitMQ publish/consume of the same messages, measured in the same run.
#
#   bench/sqs-vs-rabbitmq.sh [MESSAGES]     (default 200000)
#
# Starts a private RabbitMQ node (bench/rabbitmq-node.sh), runs `spillway bench sqs` (which starts its own
# `spillway serve`: SendMessageBatch + ReceiveMessage + DeleteMessageBatch from concurrent HTTP clients) and
# `spillway bench rabbitmq` (quorum queue, confirms, manual acks) with the same message count, and prints both figures
# and the ratio against issue 4's target of >= 1x.
set -euo pipefail

MESSAGES="${1:-200000}"
if ! [[ "$MESSAGES" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES]  (a positive whole number, default 200000)" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[sqs-vs-rabbitmq] %s\n' "$*" >&2; }

# shellcheck source=bench/rabbitmq-node.sh
source "$ROOT/bench/rabbitmq-node.sh"

build_spillway
compare_with_rabbitmq sqs "spillway SQS API (HTTP, JSON, batches of 10)" 1 4 sqs
