# Sourced by the scripts that install and start what the tests and benchmarks need.
# shellcheck shell=bash

# apt_install [--no-start] PACKAGE...: installs Debian packages (as root, or through sudo). With --no-start the
# packages' post-install scripts may not start system services: the scripts run private instances of their own.
apt_install() {
  local no_start=""
  if [ "${1:-}" = "--no-start" ]; then no_start=1; shift; fi
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: $*" >&2
  local policy_added=""
  if [ -n "$no_start" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  local status=0
  $sudo apt-get update -q >/dev/null &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null || status=$?
  if [ -n "$policy_added" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  if [ "$status" -ne 0 ]; then echo "apt-get could not install: $*" >&2; return 1; fi
}

# free_port: a loopback TCP port nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
