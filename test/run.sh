#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: packages, dependencies, build, the test
# bed (private Docker engine, images), then unit, integration and e2e tests. The exit code is
# the tests'; the bed is stopped whatever happens. Services write only to .test-bed/logs.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BED_ROOT="$REPO/.test-bed"
LOG_DIR="$BED_ROOT/logs"
export MOOR_TEST_PID_DIR="$BED_ROOT/pids"
mkdir -p "$LOG_DIR" "$MOOR_TEST_PID_DIR"

say() { printf '== %s\n' "$*" >&2; }

stop_bed() {
  local rc=$?
  set +e
  # Services the tests started (registry, git server, sshd ...) note their pid here.
  local f pid
  for f in "$MOOR_TEST_PID_DIR"/*.pid; do
    [[ -e "$f" ]] || continue
    pid="$(cat "$f" 2>/dev/null)"
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null
    rm -f "$f"
  done
  bash test/bed/docker.sh stop
  bash test/bed/postgres.sh stop
  # Second engines of the drills (each in .test-bed/NAME), should a drill have died before its end.
  local bed
  for bed in "$BED_ROOT"/*/; do
    [[ -f "$bed/docker.pid" && "$bed" != "$BED_ROOT/docker/" ]] || continue
    MOOR_BED_DIR="${bed%/}" bash test/bed/docker.sh stop
  done
  return "$rc"
}

say "packages"
bash test/bed/install.sh

bash test/bed/node-deps.sh

trap stop_bed EXIT
say "test bed"
bash test/bed/docker.sh start
eval "$(bash test/bed/docker.sh env)"
bash test/bed/images.sh
bash test/bed/postgres.sh start
eval "$(bash test/bed/postgres.sh env)"

DIRS=()
for d in build/test/unit build/test/integration build/test/e2e; do
  [[ -d "$d" ]] && DIRS+=("$d/")
done
if [[ ${#DIRS[@]} -eq 0 ]]; then
  echo "test/run.sh: no compiled tests found under build/test" >&2
  exit 1
fi

say "tests: ${DIRS[*]}"
set +e
node --test --test-concurrency=1 "${DIRS[@]}"
rc=$?
# The hub's tests once more with the hub on PostgreSQL (the bed's server, a fresh database each).
if [[ -d build/test/integration/hub ]]; then
  say "tests: build/test/integration/hub/ on PostgreSQL"
  MOOR_TEST_HUB_DB=postgres node --test --test-concurrency=1 build/test/integration/hub/
  pg_rc=$?
  [[ $rc -ne 0 ]] || rc=$pg_rc
fi
set -e
exit "$rc"
