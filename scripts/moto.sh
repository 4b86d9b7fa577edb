#!/usr/bin/env bash
# An S3-compatible server for the object store's S3 backend tests: moto's server mode, a stand-in for S3 (no MinIO here).
#   scripts/moto.sh start <state-dir>   installs moto[server] with pip when missing, starts it on a free loopback port and
#                                       appends SPILLWAY_TEST_S3 (its URL) to <state-dir>/env
#   scripts/moto.sh stop <state-dir>    stops it
set -euo pipefail

cmd=${1:?usage: moto.sh start|stop <state-dir>}
state=${2:?usage: moto.sh start|stop <state-dir>}
dir="$state/moto"
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

case "$cmd" in
  start)
    if ! command -v moto_server >/dev/null 2>&1; then
      python3 -m pip install --quiet 'moto[server]'
    fi
    mkdir -p "$dir"
    port=$(free_port)
    moto_server -H 127.0.0.1 -p "$port" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 200); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" >/dev/null 2>&1 && break
      sleep 0.1
    done
    echo "export SPILLWAY_TEST_S3=http://127.0.0.1:$port" >>"$state/env"
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      kill "$(cat "$dir/pid")" 2>/dev/null || true
      rm -f "$dir/pid"
    fi
    ;;
  *)
    echo "usage: moto.sh start|stop <state-dir>" >&2
    exit 2
    ;;
esac
