#!/usr/bin/env bash
# Starts (or stops) a private RabbitMQ node from Debian's rabbitmq-server, never the system service: its own
# directory, its own epmd, bound to 127.0.0.1 on free ports.
#   scripts/rabbitmq.sh start <state-dir>   installs rabbitmq-server if missing, starts the node in <state-dir>/rabbitmq,
#                                           appends SPILLWAY_TEST_AMQP and SPILLWAY_TEST_RABBITMQCTL to <state-dir>/env
#   scripts/rabbitmq.sh stop <state-dir>    stops it
# <state-dir>/rabbitmq/ctl runs rabbitmqctl against the node (e.g. `ctl stop_app`, `ctl start_app` for an outage).
set -euo pipefail

cmd=${1:?usage: rabbitmq.sh start|stop <state-dir>}
state=${2:?usage: rabbitmq.sh start|stop <state-dir>}
work="$state/rabbitmq"
RABBIT_BIN=/usr/lib/rabbitmq/bin

log() { printf '[rabbitmq] %s\n' "$*" >&2; }

# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

install_missing() {
  [ -x "$RABBIT_BIN/rabbitmq-server" ] && return
  # The package's post-install would start the system service; keep it down, this script runs its own node.
  apt_install --no-start rabbitmq-server
}

start() {
  install_missing
  mkdir -p "$work/mnesia" "$work/log" "$work/home"
  local amqp_port dist_port epmd_port
  amqp_port=$(free_port); dist_port=$(free_port); epmd_port=$(free_port)
  cat >"$work/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp_port
log.file.level = warning
log.console = false
CONF
  echo "[]." >"$work/enabled_plugins"
  : >"$work/rabbitmq-env.conf"
  # Everything the node and its CLI tools read points into $work; HOME too, so the Erlang cookie is private.
  cat >"$work/node.env" <<ENV
export HOME="$work/home"
export RABBITMQ_NODENAME=spillway$$@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$amqp_port
export RABBITMQ_DIST_PORT=$dist_port
export RABBITMQ_MNESIA_BASE="$work/mnesia"
export RABBITMQ_LOG_BASE="$work/log"
export RABBITMQ_PID_FILE="$work/node.pid"
export RABBITMQ_CONFIG_FILE="$work/rabbitmq.conf"
export RABBITMQ_CONF_ENV_FILE="$work/rabbitmq-env.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$work/enabled_plugins"
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$epmd_port
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
  cat >"$work/ctl" <<CTL
#!/usr/bin/env bash
# rabbitmqctl against this private node.
source "$work/node.env"
exec "$RABBIT_BIN/rabbitmqctl" -n "\$RABBITMQ_NODENAME" "\$@"
CTL
  chmod 755 "$work/ctl"
  (
    # shellcheck disable=SC1091
    source "$work/node.env"
    epmd -address 127.0.0.1 -port "$epmd_port" >/dev/null 2>&1 &
    echo $! >"$work/epmd.pid"
    log "starting node (AMQP 127.0.0.1:$amqp_port, distribution $dist_port, epmd $epmd_port)"
    setsid "$RABBIT_BIN/rabbitmq-server" >"$work/log/stdout.log" 2>&1 &
    echo $! >"$work/server.pid"
  )
  # await_startup gives up at once while the node is not registered with epmd yet, hence the loop around it.
  local started=""
  for _ in $(seq 1 120); do
    kill -0 "$(cat "$work/server.pid")" 2>/dev/null || break
    if "$work/ctl" await_startup --timeout 60 >/dev/null 2>&1; then started=1; break; fi
    sleep 1
  done
  if [ -z "$started" ]; then
    log "RabbitMQ did not start; its output:"
    tail -n 40 "$work/log/"*.log >&2 || true
    exit 1
  fi
  log "RabbitMQ $("$work/ctl" version 2>/dev/null) is up"
  echo "export SPILLWAY_TEST_AMQP=amqp://guest:guest@127.0.0.1:$amqp_port/" >>"$state/env"
  echo "export SPILLWAY_TEST_RABBITMQCTL=$work/ctl" >>"$state/env"
}

stop() {
  [ -f "$work/node.env" ] || return 0
  local server; server=$(cat "$work/server.pid" 2>/dev/null || true)
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    timeout 60 "$work/ctl" stop >/dev/null 2>&1 || true
    for _ in $(seq 1 30); do kill -0 "$server" 2>/dev/null || break; sleep 1; done
    if kill -0 "$server" 2>/dev/null; then
      # A node that would not stop: kill the Erlang VM (its pid is in the pid file) and the wrapper script.
      [ -s "$work/node.pid" ] && kill -KILL "$(cat "$work/node.pid")" 2>/dev/null || true
      kill -KILL "$server" 2>/dev/null || true
    fi
  fi
  local epmd; epmd=$(cat "$work/epmd.pid" 2>/dev/null || true)
  [ -n "$epmd" ] && kill "$epmd" 2>/dev/null || true
  rm -rf "$work"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: rabbitmq.sh start|stop <state-dir>" >&2; exit 2 ;;
esac
