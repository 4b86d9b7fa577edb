#!/usr/bin/env bash
# Kill-9 soak: runs the suite's SIGKILL harness (KillNineTests) for many more cycles than the suite's 20.
# Usage: scripts/kill9-soak.sh [CYCLES]   (default 500)
# Prints the cycles run, the acknowledged sends and deletes, and how many acknowledged messages were recovered;
# exits non-zero when any acknowledged send was lost or any acknowledged delete undone.
set -euo pipefail

cycles="${1:-500}"
if ! [[ "$cycles" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [CYCLES]  (a positive number; default 500)" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT

# Release, so a Debug build made meanwhile does not replace the assembly the killed writer runs from.
start=$(date +%s)
status=0
SPILLWAY_KILL9_CYCLES="$cycles" SPILLWAY_KILL9_REPORT="$report" \
    dotnet test "$root/test/Spillway.Messaging.Tests" -c Release -nologo -v q \
    --filter "FullyQualifiedName~KillNineTests.Acknowledged_messages_survive_sigkill_of_the_writing_process" || status=$?
elapsed=$(( $(date +%s) - start ))

if [[ ! -s "$report" ]]; then
    echo "kill-9 soak: no figures reported (the test did not get through a cycle); exit $status" >&2
    exit 1
fi

value() { awk -v k="$1" '$1 == k { print $2 }' "$report"; }
done_cycles=$(value cycles)
echo "kill-9 soak: cycles ${done_cycles}/${cycles} in ${elapsed}s"
echo "  acknowledged sends    $(value acknowledged_sends)"
echo "  acknowledged deletes  $(value acknowledged_deletes)"
echo "  expected present      $(value expected_present)  (acknowledged sends never asked to be deleted, at the last reopen)"
echo "  recovered             $(value recovered)"
echo "  lost                  $(value lost)"
echo "  deletes undone        $(value resurrected)"

if [[ "$status" -ne 0 || "$(value lost)" != "0" || "$(value resurrected)" != "0" || "$done_cycles" != "$cycles" ]]; then
    echo "kill-9 soak: FAILED" >&2
    exit 1
fi
echo "kill-9 soak: no acknowledged message lost"
