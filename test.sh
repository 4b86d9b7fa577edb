#!/usr/bin/env bash
# The one test command: installs and starts what the tests need (PostgreSQL, MariaDB), runs every test, stops them.
set -euo pipefail
cd "$(dirname "$0")"

state=$(mktemp -d -t spillway-test-XXXXXX)
chmod 755 "$state"
cleanup() { scripts/services.sh stop "$state" || true; rm -rf "$state"; }
trap cleanup EXIT

scripts/services.sh start "$state"
# shellcheck disable=SC1091
source "$state/env"

dotnet build Spillway.slnx -c Release -warnaserror -nologo -v q
dotnet test Spillway.slnx -c Release --no-build -nologo -v q "$@"
