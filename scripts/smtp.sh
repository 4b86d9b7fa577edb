#!/usr/bin/env bash
# A real SMTP server for the alarm tests: Debian's aiosmtpd, delivering every message into a Maildir.
#   scripts/smtp.sh start <state-dir>   installs python3-aiosmtpd when missing, starts it on a free loopback port and
#                                       appends SPILLWAY_TEST_SMTP (host:port) and SPILLWAY_TEST_SMTP_MAILDIR to <state-dir>/env
#   scripts/smtp.sh stop <state-dir>    stops it
set -euo pipefail

cmd=${1:?usage: smtp.sh start|stop <state-dir>}
state=${2:?usage: smtp.sh start|stop <state-dir>}
dir="$state/smtp"
# Debian's interpreter, which the python3-aiosmtpd package installs into (a python3 earlier on PATH may be another).
py=/usr/bin/python3; [ -x "$py" ] || py=python3
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

case "$cmd" in
  start)
    if ! "$py" -c 'import aiosmtpd' >/dev/null 2>&1; then
      apt_install python3-aiosmtpd
    fi
    mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"
    port=$(free_port)
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
    echo "usage: smtp.sh start|stop <state-dir>" >&2
    exit 2
    ;;
esac
