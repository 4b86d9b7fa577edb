# Sourced by bench/ingest-wrk.sh and bench/ingest-amqp.sh from the repository root, after they create $work:
# installs Debian's wrk if it is missing, builds Spillway in Release (the `spillway` array runs it), writes the
# single-record POST script to $work/post.lua, and defines wait_healthy PORT (free_port comes from scripts/lib.sh).
# shellcheck shell=bash

command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
dotnet build src/Spillway -c Release -nologo -v q >/dev/null
spillway=(dotnet src/Spillway/bin/Release/net10.0/spillway.dll)

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"name":"user' .. n .. '","email":"user' .. n .. '@example.com"}')
end
LUA

# wait_healthy PORT: up to 60 s for the server's /healthz.
wait_healthy() {
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2; return 1
}
