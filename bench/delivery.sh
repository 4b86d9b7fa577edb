#!/usr/bin/env bash
# Delivery-stream files against the disk and gzip: PutRecordBatch of 1 KiB JSON records into files with Firehose's
# default hints (5 MiB, 300 s) and a flush at the end, uncompressed against sequential writes of the same bytes with one
# fdatasync, and gzip against `gzip -1` of the same bytes into a file with an fsync, all in the same run on the same disk.
#
#   bench/delivery.sh [RECORDS] [ROUNDS] [-- spillway-bench-delivery-options...]
#                     (defaults 2000000 records of 1 KiB, about 2 GB, per run; 3 rounds)
#
# Builds Spillway in Release and runs `spillway bench delivery --api`: the engine in process and the Firehose API of a
# `spillway serve` child, each uncompressed and with gzip. Every round runs each contender once in a rotating order;
# the verdicts take the median of the rounds' ratios against issue 18's targets (uncompressed at least 0.5x the
# fdatasync bandwidth, gzip at least 0.7x gzip -1). Options after `--` go to `spillway bench delivery`
# (e.g. --producers 8).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[delivery] %s\n' "$*" >&2; }

positional=()
while [[ $# -gt 0 && "$1" != "--" ]]; do positional+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
RECORDS="${positional[0]:-2000000}"
ROUNDS="${positional[1]:-3}"
if ! [[ "$RECORDS" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [RECORDS] [ROUNDS] [-- options]  (positive whole numbers)" >&2
    exit 2
fi

command -v gzip >/dev/null || { echo "gzip is needed for the baseline" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/spillway-bench-delivery.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "building Spillway (Release)"
dotnet build "$ROOT/src/Spillway/Spillway.csproj" -c Release -nologo -v q -o "$WORK/spillway" >/dev/null
log "spillway bench delivery: $RECORDS x 1 KiB per run, $ROUNDS rounds, on the disk of $WORK"
"$WORK/spillway/spillway" bench delivery --records "$RECORDS" --rounds "$ROUNDS" --api --data-dir "$WORK" --json "$@"
