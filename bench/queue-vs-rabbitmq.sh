#!/usr/bin/env bash
# The engine against a RabbitMQ quorum queue, measured in the same run on the same machine.
#
#   bench/queue-vs-rabbitmq.sh [MESSAGES]     (default 200000)
#
# Starts a private RabbitMQ node with scripts/rabbitmq.sh (Debian's rabbitmq-server, installed if missing; never the
# system service; loopback, free ports, its own epmd), runs
# `spillway bench queue` and `spillway bench rabbitmq` with the same message count, prints both figures and the
# ratio, and stops the node and deletes its directory on exit.
set -euo pipefail

MESSAGES="${1:-200000}"
if ! [[ "$MESSAGES" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES]  (a positive whole number, default 200000)" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[queue-vs-rabbitmq] %s\n' "$*" >&2; }

WORK="$(mktemp -d -t spillway-rabbitmq-XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    "$ROOT/scripts/rabbitmq.sh" stop "$WORK" || true
    rm -rf "$WORK"
    exit "$status"
}
# bash runs a trap once the command in progress returns: Ctrl-C reaches that command too (it is in the foreground
# process group), while a TERM sent to this script alone waits for the current step (a build, a benchmark) to end.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A private node from Debian's rabbitmq-server (installed if missing), shared with the test command.
"$ROOT/scripts/rabbitmq.sh" start "$WORK"
# shellcheck disable=SC1091
source "$WORK/env"

# --- build once, then both benchmarks back to back ---------------------------------------------------------------------
log "building Spillway (Release)"
dotnet build "$ROOT/src/Spillway/Spillway.csproj" -c Release -nologo -v q -o "$WORK/spillway" >/dev/null
SPILLWAY=("$WORK/spillway/spillway")

log "spillway bench queue --messages $MESSAGES"
"${SPILLWAY[@]}" bench queue --messages "$MESSAGES" --json | tee "$WORK/queue.out" >&2
log "spillway bench rabbitmq --messages $MESSAGES (quorum queue)"
"${SPILLWAY[@]}" bench rabbitmq --amqp "$SPILLWAY_TEST_AMQP" --messages "$MESSAGES" --json \
    | tee "$WORK/rabbitmq.out" >&2

figure() { tail -n 1 "$1" | sed -n 's/.*"'"$2"'":\([0-9.]*\).*/\1/p'; }
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
