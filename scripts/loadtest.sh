#!/usr/bin/env bash
# Load benchmark of the API contract's hot routes (shared/api-contract.md) against a
# real server on a throwaway PostgreSQL cluster, with wrk on the same machine.
# Usage: scripts/loadtest.sh [duration, default 15s]. Needs wrk (apt-get install wrk)
# and python3 (to build the request bodies). Results go to stdout; record them in
# docs/benchmarks.md. The server inherits the caller's environment, so runtime and
# pool settings can be tried without editing this file, e.g.
#   GOMAXPROCS=1 DATABASE_MAX_CONNS=4 scripts/loadtest.sh 15s
# Besides wrk's figures, each run prints the server's CPU time per request.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

DURATION=${1:-15s}
PORT=${LOADTEST_PORT:-5077}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
command -v wrk >/dev/null || { echo "loadtest: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

make -s build
PG_OPTS="-c shared_buffers=256MB" start_throwaway_pg || { echo "loadtest: PostgreSQL is needed" >&2; exit 1; }
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
  stop_throwaway_pg
}
trap cleanup EXIT

APP_ENV=development LOG_LEVEL=warn DATABASE_URL="$PG_URL" PORT=$PORT ./bin/finhealth serve >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

email="load-$RANDOM@example.com"
curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"load-test-Passw0rd!\",\"name\":\"Load\"}" "$base/api/v1/auth/register" >/dev/null
token=$(curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"load-test-Passw0rd!\"}" "$base/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -fs "$base/api/v1/questionnaire" | python3 -c '
import json,sys
q=json.load(sys.stdin)
print(json.dumps({"answers":[{"question_id":x["id"],"value":x["options"][1]["value"]} for x in q["questions"]]}))' >"$work/answers.json"
curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data @"$work/answers.json" "$base/api/v1/assessments" >/dev/null

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
local f = io.open("$work/answers.json"); wrk.body = f:read("*a"); f:close()
LUA

# cpu_ticks is the server's user+system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

run() {
  echo "== $1"
  shift
  local before after out n
  before=$(cpu_ticks)
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@")
  after=$(cpu_ticks)
  echo "$out" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors'
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN { if (n > 0) printf "  server CPU per request: %.0f us\n", t / hz * 1e6 / n }'
}
run "GET /api/v1/assessments/latest" -H "Authorization: Bearer $token" "$base/api/v1/assessments/latest"
run "GET /api/v1/questionnaire" "$base/api/v1/questionnaire"
run "POST /api/v1/assessments" -s "$work/post.lua" "$base/api/v1/assessments"
