#!/usr/bin/env bash
# What the operations tests need besides the databases: a real SMTP server for the alarm tests (Debian's aiosmtpd,
# delivering every message into a Maildir) and a headless browser for the dashboard test (Debian's chromium).
#   scripts/operations.sh start <state-dir>   installs python3-aiosmtpd and chromium when missing, starts the SMTP
#                                             server on a free loopback port and appends SPILLWAY_TEST_SMTP (host:port)
#                                             and SPILLWAY_TEST_SMTP_MAILDIR to <state-dir>/env
#   scripts/operations.sh stop <state-dir>    stops it
set -euo pipefail

cmd=${1:?usage: operations.sh start|stop <state-dir>}
state=${2:?usage: operations.sh start|stop <state-dir>}
dir="$state/smtp"
# Debian's interpreter, which the python3-aiosmtpd package installs into (a python3 earlier on PATH may be another).
py=/usr/bin/python3; [ -x "$py" ] || py=python3

case "$cmd" in
  start)
    missing=()
    "$py" -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    if [ ${#missing[@]} -gt 0 ]; then
      echo "installing: ${missing[*]}" >&2
      export DEBIAN_FRONTEND=noninteractive
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo apt-get update -q >/dev/null
      $sudo apt-get install -y -q "${missing[@]}" >/dev/null
    fi
    mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    "$py" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/maildir" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" >/dev/null 2>&1 && break
      sleep 0.1
    done
    echo "export SPILLWAY_TEST_SMTP=127.0.0.1:$port" >>"$state/env"
    echo "export SPILLWAY_TEST_SMTP_MAILDIR=$dir/maildir" >>"$state/env"
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      kill "$(cat "$dir/pid")" 2>/dev/null || true
      rm -f "$dir/pid"
    fi
    ;;
  *)
    echo "usage: operations.sh start|stop <state-dir>" >&2
    exit 2
    ;;
esac
