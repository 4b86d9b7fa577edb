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
log "spillway bench sqs --messages $MESSAGES"
"${SPILLWAY[@]}" bench sqs --messages "$MESSAGES" --json | tee "$WORK/sqs.out" >&2
log "spillway bench rabbitmq --messages $MESSAGES (quorum queue)"
"${SPILLWAY[@]}" bench rabbitmq --amqp "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" --messages "$MESSAGES" --json \
    | tee "$WORK/rabbitmq.out" >&2

SQS="$(figure "$WORK/sqs.out" messagesPerSecond)"
RABBIT="$(figure "$WORK/rabbitmq.out" messagesPerSecond)"
if [[ -z "$SQS" || -z "$RABBIT" ]]; then
    echo "could not read messagesPerSecond from both benchmarks" >&2
    exit 1
fi
RATIO="$(awk -v e="$SQS" -v r="$RABBIT" 'BEGIN { printf "%.2f", e / r }')"
VERDICT="$(awk -v x="$RATIO" 'BEGIN { print (x >= 1 ? "meets" : "misses") }')"

echo
echo "send + receive + delete, concurrent, $MESSAGES messages of 100 bytes:"
printf '  spillway SQS API (HTTP, JSON, batches of 10):  %12.0f msg/s\n' "$SQS"
printf '  RabbitMQ quorum queue (confirms, acks):        %12.0f msg/s\n' "$RABBIT"
echo "  ratio SQS API / RabbitMQ:  ${RATIO}x ($VERDICT issue 4's target of >= 1x)"
printf '{"messages":%s,"sqsMessagesPerSecond":%s,"rabbitMqMessagesPerSecond":%s,"ratio":%s}\n' \
    "$MESSAGES" "$SQS" "$RABBIT" "$RATIO"
