#!/usr/bin/env bash
# A private PostgreSQL 15 for the hub tests (BRIEF.md section 8): start | stop | env | status.
# Its own data directory under .test-bed/postgres, a free loopback port, password (scram) auth
# over TCP with the password in a file, all output to .test-bed/logs/postgres.log. Idempotent.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BED="${MOOR_PG_BED_DIR:-$REPO/.test-bed/postgres}"
LOG_DIR="$REPO/.test-bed/logs"
LOG="$LOG_DIR/postgres.log"
BIN=/usr/lib/postgresql/15/bin
DATA="$BED/data"
# The server's unix socket (PostgreSQL adds .s.PGSQL.PORT): keep its path short whatever the repo path is.
if [[ ${#BED} -gt 60 ]]; then
  SOCK_DIR="/tmp/moor-pg-$(printf '%s' "$BED" | sha256sum | cut -c1-10)"
else
  SOCK_DIR="$BED/sock"
fi
USER_NAME=moor

as_pg() { runuser -u postgres -- "$@"; }

port() { cat "$BED/port" 2>/dev/null; }

running() { [[ -f "$DATA/postmaster.pid" ]] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

init() {
  mkdir -p "$BED" "$SOCK_DIR" "$LOG_DIR"
  chown postgres "$BED" "$SOCK_DIR"
  touch "$LOG" && chown postgres "$LOG"
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$BED/password"
    chmod 600 "$BED/password"
    local pw="$BED/pwfile"
    cp "$BED/password" "$pw" && chown postgres "$pw"
    as_pg "$BIN/initdb" -D "$DATA" -U "$USER_NAME" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 >>"$LOG" 2>&1
    rm -f "$pw"
  fi
}

start() {
  if running; then return 0; fi
  init
  free_port >"$BED/port"
  # fsync off: a test database need not survive a power cut, and the shared disk is slow.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-p $(port) -k $SOCK_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >>"$LOG" 2>&1
}

stop() {
  if running; then as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >>"$LOG" 2>&1; fi
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    running || { echo "postgres.sh: not running (start it first)" >&2; exit 1; }
    echo "export MOOR_TEST_PG_URL=postgres://$USER_NAME@127.0.0.1:$(port)/postgres"
    echo "export MOOR_TEST_PG_PASSWORD_FILE=$BED/password"
    ;;
  status) if running; then echo "running on 127.0.0.1:$(port)"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
