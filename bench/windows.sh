#!/usr/bin/env bash
# Windowed aggregations against PostgreSQL: device readings through the aggregation engine (per-minute tumbling and
# 5-minute/1-minute hopping windows, count + avg + p99 per device) against PostgreSQL computing the same windows with
# date_bin … GROUP BY from the readings already loaded into a table, in the same run.
#
#   bench/windows.sh [READINGS] [ROUNDS] [-- spillway-bench-windows-options...]
#                    (defaults 1000000 readings of 10000 devices per run, 3 rounds)
#
# Uses the PostgreSQL of SPILLWAY_TEST_POSTGRES when it is set; otherwise starts one with scripts/services.sh in a temp
# directory and stops it on exit. Builds Spillway in Release and runs `spillway bench windows`: a first untimed run
# of each kind checks the engine's counts and averages against PostgreSQL's, then every round runs each contender once
# in a rotating order, and the verdicts take the medians against issue 19's goals (at least 2x PostgreSQL, at least
# 500,000 readings/s). Options after `--` go to `spillway bench windows` (e.g. --devices 1000 --minutes 10).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[windows] %s\n' "$*" >&2; }

positional=()
while [[ $# -gt 0 && "$1" != "--" ]]; do positional+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
READINGS="${positional[0]:-1000000}"
ROUNDS="${positional[1]:-3}"
if ! [[ "$READINGS" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [READINGS] [ROUNDS] [-- options]  (positive whole numbers)" >&2
    exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/spillway-bench-windows.XXXXXX")"
chmod 755 "$WORK"
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [[ -f "$WORK/services/env" ]] && "$ROOT/scripts/services.sh" stop "$WORK/services"
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${SPILLWAY_TEST_POSTGRES:-}" ]]; then
    log "starting PostgreSQL (scripts/services.sh)"
    mkdir -p "$WORK/services"
    "$ROOT/scripts/services.sh" start "$WORK/services" >&2
    # shellcheck source=/dev/null
    source "$WORK/services/env"
fi

log "building Spillway (Release)"
dotnet build "$ROOT/src/Spillway/Spillway.csproj" -c Release -nologo -v q -o "$WORK/spillway" >/dev/null
log "spillway bench windows: $READINGS readings per run, $ROUNDS rounds"
"$WORK/spillway/spillway" bench windows --readings "$READINGS" --rounds "$ROUNDS" --database "$SPILLWAY_TEST_POSTGRES" --json "$@"
