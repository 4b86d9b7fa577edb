#!/usr/bin/env bash
# The SQS API over HTTP against RabbitMQ publish/consume of the same messages, measured in the same run.
#
#   bench/sqs-vs-rabbitmq.sh [MESSAGES] [ROUNDS]     (defaults 200000 and 3)
#
# Starts a private RabbitMQ node (bench/rabbitmq-node.sh), runs `spillway bench sqs` (which starts its own
# `spillway serve`: SendMessageBatch + ReceiveMessage + DeleteMessageBatch from concurrent HTTP clients) and
# `spillway bench rabbitmq` (quorum queue, confirms, manual acks) with the same message count, and prints both figures
# and the ratio against issue 4's target of >= 1x. Both sides keep the same number of messages in flight: 16 SQS
# senders with batches of 10 against 160 RabbitMQ publishers (20 channels). The runs alternate ROUNDS times and the
# verdict takes the median ratio.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[sqs-vs-rabbitmq] %s\n' "$*" >&2; }

ROUNDS="${2:-3}"
if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES] [ROUNDS]  (positive whole numbers)" >&2
    exit 2
fi

# shellcheck source=bench/rabbitmq-node.sh
source "$ROOT/bench/rabbitmq-node.sh" "$@"

RABBITMQ_ARGS=(--publishers 160 --channels 20)

build_spillway
compare_with_rabbitmq sqs "spillway SQS API (HTTP, JSON, batches of 10)" 1 4 sqs --senders 16
