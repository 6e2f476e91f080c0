# shellcheck shell=bash
# Sourced by test.sh and loadtest.sh: start_throwaway_pg starts a PostgreSQL cluster
# in a temporary directory (as the postgres user when run as root, since PostgreSQL
# refuses root), exports PG_URL, and registers an EXIT trap that stops and deletes it.
# Returns 1 when no PostgreSQL server binaries are installed. PG_DURABLE=1 keeps
# PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes on), as
# production runs, for benchmarks whose figures are meant to be headline figures.

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return 0; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return 0
  fi
  return 1
}

start_throwaway_pg() {
  local pg_bin
  pg_bin=$(find_pg_bin) || return 1
  PG_DIR=$(mktemp -d /tmp/finhealth-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
    PG_AS=(runuser -u postgres --)
  fi
  PG_CTL="$pg_bin/pg_ctl"
  trap stop_throwaway_pg EXIT
  local nosync=--no-sync durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${PG_DURABLE:-0}" = 1 ]; then nosync= durability=; fi
  "${PG_AS[@]}" "$pg_bin/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 $nosync >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 2; }
  # Unix socket only, so no TCP port can collide; durability is off unless asked for
  # because the cluster is deleted afterwards. Extra options (e.g. for benchmarks)
  # via PG_OPTS.
  "${PG_AS[@]}" "$PG_CTL" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-k $PG_DIR -c listen_addresses='' $durability -c max_connections=300 ${PG_OPTS:-}" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 2; }
  export PG_URL="postgres://postgres@/postgres?host=$PG_DIR&port=5432&sslmode=disable"
  echo "started a throwaway PostgreSQL ($("$pg_bin/postgres" --version)) in $PG_DIR" >&2
}

stop_throwaway_pg() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    "${PG_AS[@]}" "$PG_CTL" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
