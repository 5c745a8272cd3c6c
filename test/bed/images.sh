#!/usr/bin/env bash
# Builds the local images the tests run (no registry is reachable): local/busybox:1, a
# busybox-static root with its applet links, and local/busybox:2, the same plus a marker file.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The test engine unless the caller points DOCKER_HOST at another one (the demo may use the system engine).
[[ -n "${DOCKER_HOST:-}" ]] || eval "$(bash "$HERE/docker.sh" env)"

have() { docker image inspect "$1" >/dev/null 2>&1; }

build_root() {
  local root=$1
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  mkdir -p "$root/usr"
  ln -sfn ../bin "$root/usr/bin"
  ln -sfn bin "$root/sbin"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

import() {
  local tag=$1 root=$2
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin:/usr/bin:/sbin' - "$tag" >/dev/null
}

have local/busybox:1 && have local/busybox:2 && exit 0
command -v busybox >/dev/null || { echo "images.sh: busybox missing: run test/bed/install.sh" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
build_root "$WORK/root"
have local/busybox:1 || import local/busybox:1 "$WORK/root"
if ! have local/busybox:2; then
  echo 'moor test image 2' >"$WORK/root/etc/moor-image-version"
  import local/busybox:2 "$WORK/root"
fi
