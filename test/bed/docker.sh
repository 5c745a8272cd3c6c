#!/usr/bin/env bash
# A private Docker engine for the tests: start | stop | env | status | check.
# Idempotent; the daemon is fully detached, and all its output goes to a log file. `check` (and
# `start`) restart an engine that is wedged: alive, but `docker info` does not answer (dockerd
# 20.10 can deadlock in libnetwork). `stop` also ends the containerd shims the engine left.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BED="${MOOR_BED_DIR:-$REPO/.test-bed/docker}"
# Unix socket paths are limited to 108 bytes, and containerd nests its sockets deep inside
# exec-root: keep those short whatever the repo path is.
if [[ ${#BED} -gt 40 ]]; then
  RUN_DIR="/tmp/moor-bed-$(printf '%s' "$BED" | sha256sum | cut -c1-10)"
else
  RUN_DIR="$BED/run"
fi
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$BED/docker.pid"
LOG="$BED/dockerd.log"

docker_cli() { docker -H "unix://$SOCK" "$@"; }

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# `docker info` goes through the network controller that deadlocks (`docker version` does not).
answers() { timeout "${MOOR_BED_PROBE_SECONDS:-10}" docker -H "unix://$SOCK" info >/dev/null 2>&1; }

# Shims of this engine's containerd (found by its socket under our exec root), and their children.
leftover_pids() {
  local dir pid cmd
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    # A process may end between the glob and the read: the redirection's error is the shell's own.
    cmd="$({ tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null)" || continue
    [[ "$cmd" == *containerd-shim* && "$cmd" == *"$RUN_DIR/"* ]] || continue
    pgrep -P "$pid" 2>/dev/null || true
    echo "$pid"
  done
}

kill_leftovers() {
  local pids
  pids="$(leftover_pids)"
  [[ -n "$pids" ]] || return 0
  echo "docker.sh: ending $(echo "$pids" | wc -w) process(es) the engine left: $(echo $pids)" >&2
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}

# Alive but not answering: kill it (and what it left), so that start makes a new one.
restart_wedged() {
  local pid
  pid="$(running_pid)" || return 0
  answers && return 0
  echo "docker.sh: dockerd $pid is wedged (docker info does not answer); restarting it" >&2
  ( kill -USR1 "$pid" 2>/dev/null || true )  # a goroutine dump in the log, for the record
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$PIDFILE"
  kill_leftovers
  unmount_leftovers
}

start() {
  if running_pid >/dev/null && answers; then return 0; fi
  if pid="$(running_pid)"; then
    # Alive but not answering: give it the usual time before deciding it is wedged.
    wait_ready "$pid" && return 0
    restart_wedged
  fi
  rm -f "$PIDFILE"
  kill_leftovers
  mkdir -p "$BED/data" "$RUN_DIR/exec"
  command -v dockerd >/dev/null || { echo "docker.sh: dockerd missing: run test/bed/install.sh" >&2; return 1; }
  setsid dockerd --iptables=false --bridge=none --storage-driver=overlay2 \
    --data-root "$BED/data" --exec-root "$RUN_DIR/exec" -H "unix://$SOCK" --pidfile "$PIDFILE" \
    </dev/null >>"$LOG" 2>&1 &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  if ! wait_ready "$pid"; then
    echo "docker.sh: dockerd did not come up on $SOCK; last lines of $LOG:" >&2
    tail -n 15 "$LOG" >&2
    kill "$pid" 2>/dev/null || true
    return 1
  fi
}

wait_ready() {
  local pid=$1 i
  for ((i = 0; i < 300; i++)); do
    answers && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# dockerd leaves its default network namespace mounted under exec-root: unmount what is left
# below our folders, so that nothing of the bed outlives it (and the folders can be removed).
unmount_leftovers() {
  local m
  for m in $(awk -v a="$RUN_DIR/" -v b="$BED/" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

stop() {
  local pid i
  pid="$(running_pid)" || { rm -f "$PIDFILE"; kill_leftovers; unmount_leftovers; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "docker.sh: dockerd $pid ignored SIGTERM for 30 s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  kill_leftovers
  unmount_leftovers
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    echo "export MOOR_TEST_DOCKER_SOCK=$SOCK"
    echo "export DOCKER_HOST=unix://$SOCK"
    ;;
  status) running_pid >/dev/null && answers ;;
  check) restart_wedged; start ;;
  *)
    echo "usage: $0 start|stop|env|status|check" >&2
    exit 2
    ;;
esac
