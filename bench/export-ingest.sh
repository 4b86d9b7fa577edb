#!/usr/bin/env bash
# An export of ROWS users from PostgreSQL against `psql \copy` to a file, and HTTP ingest (wrk on POST /submit) alone
# and while an export runs, on one running Spillway server, in the same run (bench/Spillway.Exports.Bench).
#   bench/export-ingest.sh [DATABASE-URL] [ROWS] [--connections N] [--think-ms N] [--window-seconds N]
#                          [--set Key=Value]… [--busy-caps a,b,…]
# The URL defaults to SPILLWAY_TEST_POSTGRES, ROWS to 1,000,000; --busy-caps 50000,0 measures each
# Spillway:Exports:BusyMaxRowsPerSecond on a fresh server ("default" leaves it unset: default,default,default is three
# rounds of the defaults). Wrap it in flock with the other benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d -t spillway-export-ingest-XXXXXX)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/wrk-common.sh
source bench/wrk-common.sh
dotnet build bench/Spillway.Exports.Bench -c Release -nologo -v q >/dev/null
dotnet bench/Spillway.Exports.Bench/bin/Release/net10.0/Spillway.Exports.Bench.dll --spillway "${spillway[1]}" --lua "$work/post.lua" "$@"
