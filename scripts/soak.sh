#!/usr/bin/env bash
# Soak test: a steady mixed API load against a real server on a throwaway, durable
# PostgreSQL cluster (fsync, synchronous_commit and full_page_writes on, as in
# production) for a long time, to show that memory stays flat and nothing fails.
# Usage: scripts/soak.sh [duration, default 30m] (`make bench-soak` runs 30m;
# `make bench-soak SOAK_DURATION=2m` a short try). Needs wrk and python3.
#
# After a warm-up (a tenth of the duration, at least 10 s) it reads the server's
# resident memory and goroutines from /metrics (process_resident_memory_bytes,
# go_goroutines) at the start, the middle and the end of the measured load, and
# fails when
#   - any response was not 2xx, or wrk saw a socket error or timeout, or the server
#     logged an ERROR;
#   - resident memory at the end exceeds the start by more than SOAK_RSS_SLACK_MB
#     (default 64 MiB, several times what the bounded caches can hold at this load);
#   - goroutines at the end exceed the start by more than SOAK_GOROUTINE_SLACK
#     (default 20; CONNS keep-alive connections are open throughout).
# The mix, per 20 requests: 8 GET latest assessment, 4 GET questionnaire, 3 GET live
# health, 2 GET /api/v1/me, 1 GET assessment list, 2 POST assessment.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

DURATION=${1:-30m}
# A free port of the kernel's choosing: other servers may be running on this machine.
PORT=${SOAK_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
RSS_SLACK_MB=${SOAK_RSS_SLACK_MB:-64}
GOROUTINE_SLACK=${SOAK_GOROUTINE_SLACK:-20}
command -v wrk >/dev/null || { echo "soak: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

seconds() { # 90s, 2m, 1h -> seconds
  local n=${1%[smh]}
  case $1 in *m) echo $((n * 60)) ;; *h) echo $((n * 3600)) ;; *) echo "$n" ;; esac
}
total=$(seconds "$DURATION")
warm=$((total / 10 > 10 ? total / 10 : 10))
half=$((total / 2))

make -s build
PG_OPTS="-c shared_buffers=256MB -c fsync=on -c synchronous_commit=on -c full_page_writes=on" start_throwaway_pg ||
  { echo "soak: PostgreSQL is needed" >&2; exit 1; }
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
  stop_throwaway_pg
}
trap cleanup EXIT

# Development serves /metrics without a token; JSON logs so that ERROR lines can be counted.
APP_ENV=development LOG_LEVEL=warn LOG_FORMAT=json DATABASE_URL="$PG_URL" PORT=$PORT ./bin/finhealth serve >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$base/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

email="soak-$RANDOM@example.com"
org=$(curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"soak-test-Passw0rd!\",\"name\":\"Soak\"}" "$base/api/v1/auth/register" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["organization_id"])')
token=$(curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"soak-test-Passw0rd!\"}" "$base/api/v1/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -fs "$base/api/v1/questionnaire" | python3 -c '
import json,sys
q=json.load(sys.stdin)
print(json.dumps({"answers":[{"question_id":x["id"],"value":x["options"][1]["value"]} for x in q["questions"]]}))' >"$work/answers.json"
curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data @"$work/answers.json" "$base/api/v1/assessments" >/dev/null

python3 - "$work/answers.json" "$token" "$org" >"$work/mix.lua" <<'PY'
import json, sys
body, token, org = open(sys.argv[1]).read().strip(), sys.argv[2], sys.argv[3]
o = "/api/v1/organizations/" + org
mix = [("GET", "/api/v1/assessments/latest")] * 8 + [("GET", "/api/v1/questionnaire")] * 4 + \
      [("GET", o + "/health")] * 3 + [("GET", "/api/v1/me")] * 2 + [("GET", o + "/assessments?limit=10")] + \
      [("POST", "/api/v1/assessments")] * 2
print("local body = " + json.dumps(body))
print("local h = {Authorization = 'Bearer " + token + "', ['Content-Type'] = 'application/json'}")
print("local mix = {" + ", ".join("{%s, %s}" % (json.dumps(m), json.dumps(p)) for m, p in mix) + "}")
print("""local i = 0
request = function()
  i = i + 1
  local r = mix[(i % #mix) + 1]
  if r[1] == "POST" then return wrk.format("POST", r[2], h, body) end
  return wrk.format("GET", r[2], h)
end
-- Failures are written out whole, so that the run says what they were.
response = function(status, headers, body)
  if status >= 300 then io.stderr:write("soak: " .. status .. " " .. body:sub(1, 300):gsub("\\n$", "") .. "\\n") end
end""")
PY

# sample prints "rss_bytes goroutines" from /metrics.
sample() {
  curl -fs "$base/metrics" | awk '/^process_resident_memory_bytes / {r=$2} /^go_goroutines / {g=$2} END {printf "%d %d\n", r, g}'
}
report() { awk -v l="$1" -v r="$2" -v g="$3" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
  'BEGIN { printf "%-6s RSS %6.1f MiB  goroutines %4d  load %s\n", l, r / 1048576, g, load }'; }

echo "soak: warm-up ${warm}s, then ${total}s of mixed load, $CONNS connections"
wrk -t"$THREADS" -c"$CONNS" -d"${warm}s" -s "$work/mix.lua" "$base" >"$work/warm.txt" 2>"$work/failures.txt"
read -r rss0 gor0 < <(sample); report start "$rss0" "$gor0"
wrk -t"$THREADS" -c"$CONNS" -d"${total}s" --latency -s "$work/mix.lua" "$base" >"$work/wrk.txt" 2>>"$work/failures.txt" &
wrk_pid=$!
sleep "$half"
read -r rss1 gor1 < <(sample); report middle "$rss1" "$gor1"
wait "$wrk_pid"
read -r rss2 gor2 < <(sample); report end "$rss2" "$gor2"
grep -E 'Requests/sec|requests in|Latency|50%|99%|Non-2xx|Socket errors' "$work/wrk.txt"

fail=0
if grep -E 'Non-2xx|Socket errors' "$work/warm.txt" "$work/wrk.txt"; then
  echo "soak: FAIL: errors under load"; sort "$work/failures.txt" | uniq -c | sort -rn | head -5; fail=1
fi
errors=$(grep -c '"level":"ERROR"' "$work/server.log" || true)
if [ "$errors" -gt 0 ]; then
  echo "soak: FAIL: the server logged $errors ERROR lines, by message:"
  grep '"level":"ERROR"' "$work/server.log" | python3 -c '
import collections, json, sys
c = collections.Counter((json.loads(l)["msg"], json.loads(l).get("error", "")) for l in sys.stdin)
for (m, e), n in c.most_common(5): print(f"  {n} x {m}: {e}")'
  fail=1
fi
if [ $((rss2 - rss0)) -gt $((RSS_SLACK_MB * 1048576)) ]; then
  echo "soak: FAIL: resident memory grew by more than ${RSS_SLACK_MB} MiB"; fail=1
fi
if [ $((gor2 - gor0)) -gt "$GOROUTINE_SLACK" ]; then
  echo "soak: FAIL: goroutines grew by more than $GOROUTINE_SLACK"; fail=1
fi
[ "$fail" = 0 ] && echo "soak: PASS (RSS +$(((rss2 - rss0) / 1048576)) MiB, goroutines $((gor2 - gor0)) more)"
exit "$fail"
