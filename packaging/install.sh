#!/bin/sh
# Installs moor on a systemd host without apt, doing what the .deb does: the binary, the units,
# an example /etc/moor/agent.yaml (never overwritten), the state directory, the unit enabled.
# Run from the unpacked tarball (moor_VERSION_linux-ARCH.tar.xz) or the repo (after npm run package).
#   sh install.sh [--no-start]        install or upgrade
#   sh install.sh --uninstall         stop, disable, remove binary and units; keep state and config
#   sh install.sh --purge             the same, and delete /var/lib/moor, /var/cache/moor, /etc/moor
set -eu

HERE="$(cd "$(dirname "$0")" && pwd)"
BIN_DIR=/usr/bin
UNIT_DIR=/etc/systemd/system
CONFIG=/etc/moor/agent.yaml

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The same files whether run from the tarball (flat) or from the repo (dist/, systemd/, config/).
find_file() {
  for candidate in "$HERE/$1" "$HERE/../$2"; do
    [ -f "$candidate" ] && { echo "$candidate"; return 0; }
  done
  die "cannot find $1 next to $0"
}

systemd_running() { [ -d /run/systemd/system ]; }

configured() {
  [ -f "$CONFIG" ] && ! grep -qE '^[[:space:]]*url:[[:space:]]*https://git\.example\.com/' "$CONFIG"
}

install_moor() {
  start=$1
  [ "$(id -u)" = 0 ] || die "run as root"
  command -v systemctl >/dev/null || die "systemctl not found: moor's units need systemd"
  bin="$(find_file moor dist/moor)"
  "$bin" version >/dev/null 2>&1 || die "$bin does not run on this host (architecture? libc6/libstdc++6 present?)"
  upgrade=false
  [ -x "$BIN_DIR/moor" ] && upgrade=true
  # Same file names as the package's, so a later .deb install takes over cleanly.
  install -m 0755 "$bin" "$BIN_DIR/moor.new" && mv -f "$BIN_DIR/moor.new" "$BIN_DIR/moor"
  install -m 0644 "$(find_file moor.service systemd/moor.service)" "$UNIT_DIR/moor.service"
  install -m 0644 "$(find_file moor-hub.service systemd/moor-hub.service)" "$UNIT_DIR/moor-hub.service"
  install -d -m 0755 /etc/moor
  # Configuration is the operator's: written once, never overwritten (a .dist copy shows changes).
  for f in agent.yaml hub.yaml; do
    src="$(find_file "$f" "config/$f")"
    if [ -e "/etc/moor/$f" ]; then
      cmp -s "$src" "/etc/moor/$f" || install -m 0600 "$src" "/etc/moor/$f.dist"
    else
      install -m 0600 "$src" "/etc/moor/$f"
    fi
  done
  install -d -m 0700 /var/lib/moor /var/cache/moor
  # policy.allowedFileRoots' default: under the unit /etc is read-only, moor cannot create it.
  install -d -m 0755 /etc/moor-files
  find /var/cache/moor -maxdepth 1 -name 'better_sqlite3-*.node' -delete 2>/dev/null || true
  systemd_running && systemctl daemon-reload
  $upgrade || systemctl enable moor.service >/dev/null 2>&1 || true
  if systemd_running; then
    if $upgrade; then
      systemctl try-restart moor.service || true
    elif [ "$start" = yes ] && configured; then
      systemctl start moor.service || say "the agent did not start; see journalctl -u moor.service, moor doctor"
    else
      say "edit $CONFIG, run 'moor doctor', then 'systemctl start moor.service'"
    fi
  fi
  say "installed $("$BIN_DIR/moor" version)"
}

uninstall_moor() {
  purge=$1
  [ "$(id -u)" = 0 ] || die "run as root"
  if systemd_running; then systemctl stop moor.service moor-hub.service 2>/dev/null || true; fi
  systemctl disable moor.service moor-hub.service >/dev/null 2>&1 || true
  rm -f "$BIN_DIR/moor" "$UNIT_DIR/moor.service" "$UNIT_DIR/moor-hub.service"
  systemd_running && systemctl daemon-reload
  # Containers, units and files moor applied stay as the last commit left them.
  if [ "$purge" = yes ]; then
    rm -rf /var/lib/moor /var/cache/moor /var/lib/moor-hub /var/cache/moor-hub /etc/moor
  fi
  say "removed moor$( [ "$purge" = yes ] && echo ', its state and configuration')"
}

case "${1:-}" in
  "") install_moor yes ;;
  --no-start) install_moor no ;;
  --uninstall) uninstall_moor no ;;
  --purge) uninstall_moor yes ;;
  *) die "usage: $0 [--no-start | --uninstall | --purge]" ;;
esac
