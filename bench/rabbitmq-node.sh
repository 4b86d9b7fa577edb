# Sourced by bench/queue-vs-rabbitmq.sh and bench/sqs-vs-rabbitmq.sh with their arguments, after they define log() and
# ROOT: reads the message count (MESSAGES), starts a
# private RabbitMQ node with scripts/rabbitmq.sh (Debian's rabbitmq-server, installed if missing; never the system
# service; 127.0.0.1 on free ports with its own epmd) in a temp directory $WORK, and sets AMQP_PORT. An EXIT trap
# stops the node and deletes $WORK. build_spillway then builds the executable once into $WORK (SPILLWAY array), and
# compare_with_rabbitmq runs one Spillway benchmark and the RabbitMQ baseline and prints both with their ratio.
# shellcheck shell=bash

# The message count, the comparison scripts' first argument; RABBITMQ_ARGS (an array a script may set before calling
# compare_with_rabbitmq) adds options to the RabbitMQ run, e.g. the same concurrency as the Spillway run.
MESSAGES="${1:-200000}"
if ! [[ "$MESSAGES" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [MESSAGES] ...  (a positive whole number, default 200000)" >&2
    exit 2
fi
RABBITMQ_ARGS=()

# --- a private node on loopback (scripts/rabbitmq.sh, shared with ./test.sh) --------------------------------------------
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

"$ROOT/scripts/rabbitmq.sh" start "$WORK"
AMQP_PORT="$(sed -n 's|^export SPILLWAY_TEST_AMQP=amqp://guest:guest@127.0.0.1:\([0-9]*\)/$|\1|p' "$WORK/env")"

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
# and a JSON line ("<NAME>MessagesPerSecond", "rabbitMqMessagesPerSecond", "ratio": medians over the rounds;
# "rounds", "ratios": each round's ratio).
compare_with_rabbitmq() {
    local name=$1 label=$2 target=$3 issue=$4
    shift 4
    # ROUNDS (default 1) alternates the two runs that many times: on a shared machine one pair of runs can land in a
    # fast and a slow spell, so the verdict is taken on the median of the rounds' ratios.
    local rounds=${ROUNDS:-1} round ours rabbit ratio
    local -a ratios=() oursAll=() rabbitAll=()
    for ((round = 1; round <= rounds; round++)); do
        log "round $round/$rounds: spillway bench $* --messages $MESSAGES"
        "${SPILLWAY[@]}" bench "$@" --messages "$MESSAGES" --json | tee "$WORK/$name.out" >&2
        log "round $round/$rounds: spillway bench rabbitmq --messages $MESSAGES (quorum queue)"
        "${SPILLWAY[@]}" bench rabbitmq --amqp "amqp://guest:guest@127.0.0.1:$AMQP_PORT/" --messages "$MESSAGES" \
            "${RABBITMQ_ARGS[@]}" --json \
            | tee "$WORK/rabbitmq.out" >&2

        ours="$(figure "$WORK/$name.out" messagesPerSecond)"
        rabbit="$(figure "$WORK/rabbitmq.out" messagesPerSecond)"
        if [[ -z "$ours" || -z "$rabbit" ]]; then
            echo "could not read messagesPerSecond from both benchmarks" >&2
            exit 1
        fi
        ratios+=("$(awk -v e="$ours" -v r="$rabbit" 'BEGIN { printf "%.2f", e / r }')")
        oursAll+=("$ours")
        rabbitAll+=("$rabbit")
    done

    local median verdict
    median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'; }
    median="$(median_of "${ratios[@]}")"
    verdict="$(awk -v x="$median" -v t="$target" 'BEGIN { print (x >= t ? "meets" : "misses") }')"

    echo
    echo "send + receive + delete, concurrent, $MESSAGES messages of 100 bytes:"
    for ((round = 0; round < rounds; round++)); do
        printf '  round %d: %-40s %10.0f msg/s   RabbitMQ quorum queue %8.0f msg/s   ratio %sx\n' \
            "$((round + 1))" "$label" "${oursAll[round]}" "${rabbitAll[round]}" "${ratios[round]}"
    done
    echo "  ratio / RabbitMQ (median of $rounds): ${median}x ($verdict issue $issue's target of >= ${target}x)"
    printf '{"messages":%s,"%sMessagesPerSecond":%s,"rabbitMqMessagesPerSecond":%s,"ratio":%s,"rounds":%s,"ratios":[%s]}\n' \
        "$MESSAGES" "$name" "$(median_of "${oursAll[@]}")" "$(median_of "${rabbitAll[@]}")" "$median" "$rounds" \
        "$(IFS=,; echo "${ratios[*]}")"
}
