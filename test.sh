#!/usr/bin/env bash
# The one test command: installs and starts what the tests need (PostgreSQL, MariaDB, RabbitMQ, an SMTP server, the
# SQS clients, Chromium, moto's S3 server), runs every test, stops them.
set -euo pipefail
cd "$(dirname "$0")"

state=$(mktemp -d -t spillway-test-XXXXXX)
chmod 755 "$state"
cleanup() {
  scripts/moto.sh stop "$state" || true
  scripts/smtp.sh stop "$state" || true
  scripts/rabbitmq.sh stop "$state" || true
  scripts/services.sh stop "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT

scripts/services.sh start "$state"
scripts/rabbitmq.sh start "$state"
scripts/smtp.sh start "$state"
scripts/moto.sh start "$state"
scripts/clients.sh
scripts/browser.sh
# shellcheck disable=SC1091
source "$state/env"

dotnet build Spillway.slnx -c Release -warnaserror -nologo -v q
status=0
# The CLI tests press Ctrl-C by sending SIGINT to a child. A launcher that started this script in the background leaves
# SIGINT ignored, which children inherit and .NET keeps, so those tests would hang: the default is restored here.
env --default-signal=INT dotnet test Spillway.slnx -c Release --no-build -nologo -v q --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$state/test.log" || status=$?

# One closing line over every test project: "N passed, N failed".
passed=$(grep -oE 'Passed: +[0-9]+' "$state/test.log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$state/test.log" | awk '{s+=$2} END {print s+0}')
echo "$passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$failed" -ne 0 ]; then status=1; fi
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
exit "$status"
