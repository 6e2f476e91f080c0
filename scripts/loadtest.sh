#!/usr/bin/env bash
# Load benchmark of the hot routes, each beside a bare baseline server
# (scripts/baseline) doing the least work the same request needs, in the same run
# and on the same database, so that each route reads as a share of what this
# (shared, noisy) machine allows at that moment: GET latest assessment against one
# row read by key, POST assessment against one durable insert, GET questionnaire
# against a fixed body of the same size.
#
# Usage: scripts/loadtest.sh [duration of one round, default 5s]; ROUNDS (default 3). Needs wrk (apt-get install wrk),
# python3 and psql. The database is a throwaway PostgreSQL cluster with durable
# settings (fsync, synchronous_commit and full_page_writes on, as in production);
# LOADTEST_DATABASE_URL=postgres://... uses an existing database instead, and
# PG_DURABLE=0 starts the throwaway cluster with durability off (not headline
# figures). The output says which. The servers inherit the caller's environment,
# e.g. GOMAXPROCS=1 DATABASE_MAX_CONNS=4 scripts/loadtest.sh 15s.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

DURATION=${1:-5s}
ROUNDS=${ROUNDS:-3}
PORT=${LOADTEST_PORT:-5077}
BASE_PORT=${LOADTEST_BASELINE_PORT:-5078}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
command -v wrk >/dev/null || { echo "loadtest: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

make -s build
work=$(mktemp -d)
go build -o "$work/baseline" ./scripts/baseline
if [ -n "${LOADTEST_DATABASE_URL:-}" ]; then
  PG_URL=$LOADTEST_DATABASE_URL
else
  PG_DURABLE=${PG_DURABLE:-1} PG_OPTS="-c shared_buffers=256MB" start_throwaway_pg || { echo "loadtest: PostgreSQL is needed" >&2; exit 1; }
fi
server_pid= baseline_pid=
cleanup() {
  for p in $server_pid $baseline_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
  stop_throwaway_pg
}
trap cleanup EXIT

durability=$(psql "$PG_URL" -Atc "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' full_page_writes=' || current_setting('full_page_writes')")
case "$durability" in
  "fsync=on synchronous_commit=on full_page_writes=on") echo "database: DURABLE ($durability)" ;;
  *) echo "database: NOT DURABLE ($durability): not headline figures" ;;
esac

APP_ENV=development LOG_LEVEL=warn DATABASE_URL="$PG_URL" PORT=$PORT ./bin/finhealth serve >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

email="load-$RANDOM@example.com"
curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"load-test-Passw0rd!\",\"name\":\"Load\"}" "$base/api/v1/auth/register" >/dev/null
token=$(curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"load-test-Passw0rd!\"}" "$base/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
user_id=$(python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["sub"])' "$token")
curl -fs "$base/api/v1/questionnaire" >"$work/questionnaire.json"
python3 -c '
import json,sys
q=json.load(open(sys.argv[1]))
print(json.dumps({"answers":[{"question_id":x["id"],"value":x["options"][1]["value"]} for x in q["questions"]]}))' "$work/questionnaire.json" >"$work/answers.json"
curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data @"$work/answers.json" "$base/api/v1/assessments" >"$work/created.json"

# The baseline answers with bodies of the same sizes as finhealth's.
DATABASE_URL="$PG_URL" "$work/baseline" -addr "127.0.0.1:$BASE_PORT" \
  -latest-size "$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/assessments/latest" | wc -c)" \
  -post-size "$(wc -c <"$work/created.json")" -fixed-size "$(wc -c <"$work/questionnaire.json")" >"$work/baseline.log" 2>&1 &
baseline_pid=$!
bare="http://127.0.0.1:$BASE_PORT"
for _ in $(seq 100); do curl -fs "$bare/fixed" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$bare/fixed" >/dev/null || { cat "$work/baseline.log"; exit 1; }

for target in finhealth baseline; do
  cat >"$work/post-$target.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
local f = io.open("$work/answers.json"); wrk.body = f:read("*a"); f:close()
LUA
done

# cpu_ticks is a process's user+system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME PID wrk-args...: one wrk run; appends "NAME req/s p99-ms cpu-us load1"
# to the results and prints wrk's own lines.
measure() {
  local name=$1 pid=$2 before after out n load
  shift 2
  load=$(cut -d' ' -f1 /proc/loadavg)
  before=$(cpu_ticks "$pid")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@")
  after=$(cpu_ticks "$pid")
  echo "== $name (load average $load)"
  echo "$out" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors' || true
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$out" | awk -v name="$name" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$n" -v load="$load" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %.0f %.2f %.0f %s %d\n", name, rps, p99, (n > 0 ? t / hz * 1e6 / n : 0), load, bad }' >>"$work/results"
}

# Each route alternates between finhealth and its baseline ROUNDS times (DURATION
# each), so that both see about the same machine even when other work on it comes
# and goes; the table averages the rounds.
for _ in $(seq "$ROUNDS"); do
  measure "latest" "$server_pid" -H "Authorization: Bearer $token" "$base/api/v1/assessments/latest"
  measure "latest-baseline" "$baseline_pid" "$bare/row/$user_id"
done
for _ in $(seq "$ROUNDS"); do
  measure "post" "$server_pid" -s "$work/post-finhealth.lua" "$base/api/v1/assessments"
  measure "post-baseline" "$baseline_pid" -s "$work/post-baseline.lua" "$bare/insert"
done
for _ in $(seq "$ROUNDS"); do
  measure "questionnaire" "$server_pid" "$base/api/v1/questionnaire"
  measure "questionnaire-baseline" "$baseline_pid" "$bare/fixed"
done

echo
echo "database: $durability; wrk -t$THREADS -c$CONNS, $ROUNDS rounds of $DURATION alternating; $(nproc) cores; means of the rounds"
awk '
  { n[$1]++; rps[$1] += ($2 - rps[$1]) / n[$1]; p99[$1] += ($3 - p99[$1]) / n[$1]; cpu[$1] += ($4 - cpu[$1]) / n[$1]
    load[$1] += ($5 - load[$1]) / n[$1]; bad[$1] += $6 }
  END {
    split("latest post questionnaire", routes, " ")
    split("GET latest assessment|POST assessment|GET questionnaire", names, "|")
    split("one row by key|one durable insert|fixed body", bases, "|")
    printf "| route | finhealth req/s | p99 ms | baseline | baseline req/s | p99 ms | share of req/s | p99 ratio | CPU us/req | load |\n"
    printf "|---|---|---|---|---|---|---|---|---|---|\n"
    for (i = 1; i <= 3; i++) {
      r = routes[i]; b = r "-baseline"
      printf "| %s | %d | %.1f | %s | %d | %.1f | %.0f%% | x%.1f | %d / %d | %.1f / %.1f |\n", names[i], rps[r], p99[r], bases[i], rps[b], p99[b],
        (rps[b] > 0 ? 100 * rps[r] / rps[b] : 0), (p99[b] > 0 ? p99[r] / p99[b] : 0), cpu[r], cpu[b], load[r], load[b]
      if (bad[r] + bad[b] > 0) printf "  WARNING: %d / %d non-2xx responses\n", bad[r], bad[b]
    }
  }' "$work/results"
