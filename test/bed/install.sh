#!/usr/bin/env bash
# Installs every Debian package the test suite needs, once: a fast no-op when all are there.
# apt output goes to a log file; a failure says which packages and where the log is.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOG_DIR="${MOOR_BED_LOG_DIR:-$REPO/.test-bed/logs}"
LOG="$LOG_DIR/install.log"

PACKAGES=(docker.io busybox-static docker-registry apache2-utils openssh-server debootstrap
  chromium fonts-liberation git gnupg docker-compose iproute2 python3 make g++ xz-utils binutils ca-certificates postgresql-15
  age)

missing=()
for p in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
  [[ "$status" == ii* ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: missing packages (${missing[*]}) and not root: install them or run as root" >&2
  exit 1
fi

mkdir -p "$LOG_DIR"
export DEBIAN_FRONTEND=noninteractive
echo "install.sh: installing ${missing[*]} (log: $LOG)" >&2
# Package lists are fetched only when apt has none, or when it cannot find a wanted package.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null \
  || ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  if ! apt-get update >>"$LOG" 2>&1; then
    echo "install.sh: apt-get update failed, see $LOG" >&2
    exit 1
  fi
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
  echo "install.sh: apt-get install ${missing[*]} failed, see $LOG" >&2
  tail -n 20 "$LOG" >&2
  exit 1
fi
