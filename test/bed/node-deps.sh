#!/usr/bin/env bash
# `npm ci` only when the installed node_modules does not match package-lock.json; then the build.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
LOG_DIR="${MOOR_BED_LOG_DIR:-$REPO/.test-bed/logs}"
mkdir -p "$LOG_DIR"

LOCK_HASH="$(sha256sum package-lock.json | cut -d' ' -f1)"
STAMP="node_modules/.moor-lock-hash"
if [[ -d node_modules && ! -f "$STAMP" && node_modules/.package-lock.json -nt package-lock.json ]]; then
  echo "$LOCK_HASH" >"$STAMP" # installed by hand after the last lock change: trust it once
fi
if [[ ! -d node_modules || "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_HASH" ]]; then
  echo "== npm ci (log: $LOG_DIR/npm-ci.log)" >&2
  if ! npm ci --no-audit --no-fund >"$LOG_DIR/npm-ci.log" 2>&1; then
    tail -n 30 "$LOG_DIR/npm-ci.log" >&2
    echo "node-deps.sh: npm ci failed, see $LOG_DIR/npm-ci.log" >&2
    exit 1
  fi
  echo "$LOCK_HASH" >"$STAMP"
fi
echo "== build" >&2
npm run --silent build
