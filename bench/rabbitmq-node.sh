# Sourced by bench/queue-vs-rabbitmq.sh and bench/sqs-vs-rabbitmq.sh, after they define log() and ROOT: installs Debian's
# rabbitmq-server if it is missing (needs root for apt-get), starts a private RabbitMQ node in a temp directory $WORK
# (never the system service), bound to 127.0.0.1 on free ports with its own epmd, and sets AMQP_PORT. An EXIT trap
# stops the node and deletes $WORK. build_spillway then builds the executable once into $WORK (SPILLWAY array), and
# compare_with_rabbitmq runs one Spillway benchmark and the RabbitMQ baseline and prints both with their ratio.
# shellcheck shell=bash

RABBIT_BIN=/usr/lib/rabbitmq/bin

# --- RabbitMQ from Debian --------------------------------------------------------------------------------------------
if [[ ! -x "$RABBIT_BIN/rabbitmq-server" ]]; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "rabbitmq-server is not installed; run as root (apt-get) or install it first: apt-get install rabbitmq-server" >&2
        exit 1
    fi
    log "installing rabbitmq-server from Debian"
    # The package's post-install would start the system service; keep it down, the benchmark runs its own node.
    policy_added=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_added=1
    fi
    installed=""
    if apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null; then
        installed=1
    fi
    if [[ -n "$policy_added" ]]; then
        rm -f /usr/sbin/policy-rc.d
    fi
    if [[ -z "$installed" ]]; then
        echo "apt-get could not install rabbitmq-server" >&2
        exit 1
    fi
fi

# --- a private node on loopback ----------------------------------------------------------------------------------------
free_port() {
    # A port nothing listens on now; the node binds it a few seconds later, so a clash is possible but unlikely.
    local port
    while :; do
        port=$(( 20000 + RANDOM % 20000 ))
        if ! ss -Hltn "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
}

WORK="$(mktemp -d -t spillway-rabbitmq-XXXXXX)"
NODE=spillwaybench@localhost
AMQP_PORT="$(free_port)"
DIST_PORT="$(free_port)"
EPMD_PORT="$(free_port)"
while [[ "$DIST_PORT" == "$AMQP_PORT" ]]; do DIST_PORT="$(free_port)"; done
while [[ "$EPMD_PORT" == "$AMQP_PORT" || "$EPMD_PORT" == "$DIST_PORT" ]]; do EPMD_PORT="$(free_port)"; done

# RabbitMQ's tools, with HOME in $WORK so the Erlang cookie the node creates and the CLI reads is private to this
# run. Only they get that HOME: dotnet below keeps the real one (its package cache and settings live there).
rabbit() { HOME="$WORK/home" "$RABBIT_BIN/$1" "${@:2}"; }

SERVER_PID=""
EPMD_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        log "stopping RabbitMQ node $NODE"
        timeout 60 env HOME="$WORK/home" "$RABBIT_BIN/rabbitmqctl" -n "$NODE" stop >/dev/null 2>&1 || true
        for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            # A node that would not stop: kill the Erlang VM (its pid is in the pid file) and the wrapper script.
            if [[ -s "$RABBITMQ_PID_FILE" ]]; then kill -KILL "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null || true; fi
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$EPMD_PID" ]]; then
        kill "$EPMD_PID" 2>/dev/null || true
        wait "$EPMD_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
# bash runs a trap once the command in progress returns: Ctrl-C reaches that command too (it is in the foreground
# process group), while a TERM sent to this script alone waits for the current step (a build, a benchmark) to end.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$WORK/mnesia" "$WORK/log" "$WORK/home"
cat > "$WORK/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
log.file.level = warning
log.console = false
EOF
echo "[]." > "$WORK/enabled_plugins"
: > "$WORK/rabbitmq-env.conf"

# Everything the node and its CLI tools read points into $WORK.
export RABBITMQ_NODENAME="$NODE"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$AMQP_PORT"
export RABBITMQ_DIST_PORT="$DIST_PORT"
export RABBITMQ_MNESIA_BASE="$WORK/mnesia"
export RABBITMQ_LOG_BASE="$WORK/log"
export RABBITMQ_PID_FILE="$WORK/node.pid"
export RABBITMQ_CONFIG_FILE="$WORK/rabbitmq.conf"
export RABBITMQ_CONF_ENV_FILE="$WORK/rabbitmq-env.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$WORK/enabled_plugins"
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT="$EPMD_PORT"
# Erlang distribution (node <-> CLI tools) on loopback as well.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

# Our own epmd on its own port, a child of this script (not -daemon) so it is stopped by its pid and reaped.
epmd -address 127.0.0.1 -port "$EPMD_PORT" >/dev/null 2>&1 &
EPMD_PID=$!
log "starting RabbitMQ node $NODE (AMQP 127.0.0.1:$AMQP_PORT, distribution $DIST_PORT, epmd $EPMD_PORT)"
rabbit rabbitmq-server > "$WORK/log/stdout.log" 2>&1 &
SERVER_PID=$!
# await_startup gives up at once while the node is not registered with epmd yet, hence the loop around it.
started=""
for _ in $(seq 1 120); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    if rabbit rabbitmqctl -n "$NODE" await_startup --timeout 60 >/dev/null 2>&1; then started=1; break; fi
    sleep 1
done
if [[ -z "$started" ]]; then
    log "RabbitMQ did not start; its output:"
    tail -n 40 "$WORK/log/"*.log >&2 || true
    exit 1
fi
log "RabbitMQ $(rabbit rabbitmqctl -n "$NODE" version 2>/dev/null) is up"

# --- build once -------------------------------------------------------------------------------------------------------
build_spillway() {
    log "building Spillway (Release)"
    dotnet build "$ROOT/src/Spillway/Spillway.csproj" -c Release -nologo -v q -o "$WORK/spillway" >/dev/null
    SPILLWAY=("$WORK/spillway/spillway")
}

# figure FILE KEY: a number from the JSON object a `spillway bench … --json` printed as its last line.
figure() { tail -n 1 "$1" | sed -n 's/.*"'"$2"'":\([0-9.]*\).*/\1/p'; }

# compare_with_rabbitmq NAME LABEL TARGET ISSUE BENCH-ARGS...: runs `spillway bench BENCH-ARGS` and then the RabbitMQ
# baseline on the node, both with $MESSAGES, and prints both headline figures, the ratio against the issue's target,
# and a JSON line ("<NAME>MessagesPerSecond", "rabbitMqMessagesPerSecond", "ratio").
compare_with_rabbitmq() {
    local name=$1 label=$2 target=$3 issue=$4
    shift 4
    log "spillway bench $* --messages $MESSAGES"
    "${SPILLWAY[@]}" bench "$@" --messages "$MESSAGES" --json | tee "$WORK/$name.out" >&2
    log "spillway bench rabbitmq --messages $MESSAGES (quorum queue)"
    "${SPILLWAY[@]}" bench rabbitmq --amqp "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" --messages "$MESSAGES" --json \
        | tee "$WORK/rabbitmq.out" >&2

    local ours rabbit ratio verdict
    ours="$(figure "$WORK/$name.out" messagesPerSecond)"
    rabbit="$(figure "$WORK/rabbitmq.out" messagesPerSecond)"
    if [[ -z "$ours" || -z "$rabbit" ]]; then
        echo "could not read messagesPerSecond from both benchmarks" >&2
        exit 1
    fi
    ratio="$(awk -v e="$ours" -v r="$rabbit" 'BEGIN { printf "%.2f", e / r }')"
    verdict="$(awk -v x="$ratio" -v t="$target" 'BEGIN { print (x >= t ? "meets" : "misses") }')"

    echo
    echo "send + receive + delete, concurrent, $MESSAGES messages of 100 bytes:"
    printf '  %-46s %12.0f msg/s\n' "$label:" "$ours" "RabbitMQ quorum queue (confirms, acks):" "$rabbit"
    echo "  ratio / RabbitMQ: ${ratio}x ($verdict issue $issue's target of >= ${target}x)"
    printf '{"messages":%s,"%sMessagesPerSecond":%s,"rabbitMqMessagesPerSecond":%s,"ratio":%s}\n' \
        "$MESSAGES" "$name" "$ours" "$rabbit" "$ratio"
}
