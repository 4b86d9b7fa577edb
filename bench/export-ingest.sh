#!/usr/bin/env bash
# An export of ROWS users from PostgreSQL against `psql \copy` to a file, and HTTP ingest (wrk on POST /submit) alone
# and while an export runs, on one running Spillway server, in the same run (bench/Spillway.Exports.Bench).
#   bench/export-ingest.sh [DATABASE-URL] [ROWS] [--connections N] [--window-seconds N] [--set Key=Value]…
# The URL defaults to SPILLWAY_TEST_POSTGRES, ROWS to 1,000,000; e.g. --set Spillway:Exports:BusyMaxRowsPerSecond=0
# turns the export's yielding off. Wrap it in flock with the other benchmarks: figures need a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
dotnet build src/Spillway -c Release -nologo -v q >/dev/null
dotnet build bench/Spillway.Exports.Bench -c Release -nologo -v q >/dev/null
exec dotnet bench/Spillway.Exports.Bench/bin/Release/net10.0/Spillway.Exports.Bench.dll "$@"
