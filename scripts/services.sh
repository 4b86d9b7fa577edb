#!/usr/bin/env bash
# Starts (or stops) the real services the tests need, each in its own temporary directory on a free loopback port.
#   scripts/services.sh start <state-dir>   installs missing Debian packages, starts PostgreSQL and MariaDB,
#                                           and writes <state-dir>/env with the SPILLWAY_TEST_* variables
#   scripts/services.sh stop <state-dir>    stops them
set -euo pipefail

cmd=${1:?usage: services.sh start|stop <state-dir>}
state=${2:?usage: services.sh start|stop <state-dir>}

# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

install_missing() {
  local missing=()
  command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install --no-start "${missing[@]}"
  fi
}

start_postgres() {
  local dir="$state/pg" port; port=$(free_port)
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  mkdir -p "$dir"
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; run_as=(runuser -u postgres --); fi
  "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U spillway --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null
  "$bin/psql" -h 127.0.0.1 -p "$port" -U spillway -d postgres -qc "create database spillway_test" >/dev/null
  echo "export SPILLWAY_TEST_POSTGRES=postgresql://spillway:spillway@127.0.0.1:$port/spillway_test" >>"$state/env"
  echo "export SPILLWAY_TEST_PG_BIN=$bin" >>"$state/env"
}

start_mariadb() {
  local dir="$state/mariadb" port; port=$(free_port)
  mkdir -p "$dir"
  local user_opt=(); [ "$(id -u)" -eq 0 ] && user_opt=(--user=root)
  mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1
  mariadbd --no-defaults "${user_opt[@]}" --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --max-connections=300 \
    --log-error="$dir/server.log" --skip-name-resolve >"$dir/stdout.log" 2>&1 &
  for _ in $(seq 1 120); do
    mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e "select 1" >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e "
    create database if not exists spillway_test;
    create user if not exists 'spillway'@'127.0.0.1' identified by 'spillway';
    grant all on *.* to 'spillway'@'127.0.0.1';"
  echo "export SPILLWAY_TEST_MYSQL=mysql://spillway:spillway@127.0.0.1:$port/spillway_test" >>"$state/env"
}

case "$cmd" in
  start)
    mkdir -p "$state"; : >"$state/env"
    install_missing
    start_postgres
    start_mariadb
    ;;
  stop)
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -d "$state/pg/data" ]; then
      if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$state/pg/data" -m fast stop >/dev/null 2>&1 || true
      else "$bin/pg_ctl" -D "$state/pg/data" -m fast stop >/dev/null 2>&1 || true; fi
    fi
    if [ -f "$state/mariadb/mysqld.pid" ]; then kill "$(cat "$state/mariadb/mysqld.pid")" 2>/dev/null || true; fi
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
