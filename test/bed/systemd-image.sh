#!/usr/bin/env bash
# Builds local/systemd:1, a Debian bookworm root with systemd as PID 1, in
# the test engine, once. The debootstrap root is cached as a tarball under /var/cache so that
# a fresh clone on the same machine does not pay the ~40 s again.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$(bash "$HERE/docker.sh" env)"
TAG=local/systemd:1
CACHE_DIR=/var/cache/moor-test-bed
TARBALL="$CACHE_DIR/systemd-bookworm-v1.tar"

docker image inspect "$TAG" >/dev/null 2>&1 && exit 0

mirror() {
  local uri
  uri="$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  [[ -n "$uri" ]] || uri="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

if [[ ! -s "$TARBALL" ]]; then
  command -v debootstrap >/dev/null || { echo "systemd-image.sh: debootstrap missing: run test/bed/install.sh" >&2; exit 1; }
  mkdir -p "$CACHE_DIR"
  ROOT="$(mktemp -d /var/tmp/moor-systemd-root.XXXXXX)"
  trap 'rm -rf "$ROOT"' EXIT
  LOG="$CACHE_DIR/debootstrap.log"
  if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates,procps bookworm "$ROOT" "$(mirror)" >"$LOG" 2>&1; then
    echo "systemd-image.sh: debootstrap failed; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  # No getty or udev work in a container; keep boots quick and journald in memory.
  rm -f "$ROOT"/etc/systemd/system/getty.target.wants/* "$ROOT"/etc/machine-id
  touch "$ROOT/etc/machine-id"
  tar -C "$ROOT" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
fi
docker import -c 'CMD ["/lib/systemd/systemd"]' "$TARBALL" "$TAG" >/dev/null
