#!/usr/bin/env bash
# The seed pipeline's default drain, end to end (first NDJSON POST at /submit to last row in `users`), against the
# database's own bulk load of the same rows (psql \copy, or MariaDB's LOAD DATA LOCAL INFILE), alternating rounds in
# the same run (bench/Spillway.Drain.Bench).
#   bench/drain.sh [DATABASE-URL] [--records N] [--rounds N] [--clients N] [--per-request N] [--warmup N] [--set Key=Value]…
# The URL (postgresql:// or mysql://, e.g. from scripts/services.sh) defaults to SPILLWAY_TEST_POSTGRES; 200,000
# records, 5 rounds. The benchmark drops and recreates the database's `users` table.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Spillway -c Release -nologo -v q >/dev/null
dotnet build bench/Spillway.Drain.Bench -c Release -nologo -v q >/dev/null
dotnet bench/Spillway.Drain.Bench/bin/Release/net10.0/Spillway.Drain.Bench.dll \
  --spillway src/Spillway/bin/Release/net10.0/spillway.dll "$@"
