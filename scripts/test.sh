#!/usr/bin/env bash
# Runs the whole test suite against SQLite and, when PostgreSQL's server binaries are
# installed, against a throwaway cluster that this script starts and always stops.
# Under CI=true a missing PostgreSQL is a failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

rc=0
if [ -n "${FINHEALTH_TEST_POSTGRES_URL:-}" ]; then
  echo "test: using the PostgreSQL at FINHEALTH_TEST_POSTGRES_URL"
else
  start_throwaway_pg || rc=$?
fi
if [ "$rc" = 2 ]; then
  echo "test: PostgreSQL is installed but the throwaway cluster did not start" >&2
  exit 1
elif [ -n "${PG_URL:-}" ]; then
  export FINHEALTH_TEST_POSTGRES_URL="$PG_URL"
elif [ -n "${FINHEALTH_TEST_POSTGRES_URL:-}" ]; then
  :
elif [ "${CI:-}" = "true" ]; then
  echo "test: PostgreSQL server binaries not found, and CI=true forbids skipping the PostgreSQL suite" >&2
  exit 1
else
  echo "test: PostgreSQL not found; running against SQLite only (install postgresql to test both)"
fi

# By default the tests run under the race detector (it needs cgo, i.e. a C compiler) and
# in a shuffled order (a failing package's output starts with its seed, as "-test.shuffle
# 1234"; -shuffle=1234 replays that order). No test sleeps or waits against a wall-clock
# deadline, so the detector's slowdown costs time, not a spurious failure. GOTESTFLAGS
# replaces these flags: GOTESTFLAGS= (empty) runs without either,
# GOTESTFLAGS='-shuffle=1234' replays an order without the detector.
flags=${GOTESTFLAGS--race -shuffle=on}
if [[ " $flags " == *" -race "* ]] && [ "$("${GO:-go}" env CGO_ENABLED)" != 1 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "test: cgo is unavailable, and CI=true forbids running without the race detector" >&2
    exit 1
  fi
  echo "test: cgo is unavailable (no C compiler?), so the race detector is off"
  flags=${flags//-race/}
fi
# cmd/finhealth builds the binary, Mailpit (once per machine) and drives Chromium: about
# 7 minutes on a quiet 2-core machine, too close to go test's default 10-minute limit
# per package; the limit stays as a guard against a hang.
# shellcheck disable=SC2086
"${GO:-go}" test -count=1 -timeout 30m $flags ./...
