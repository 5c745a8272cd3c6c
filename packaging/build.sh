#!/usr/bin/env bash
# `npm run package`: the single executable dist/moor (Node 20 SEA: esbuild bundle + better-sqlite3
# addon as an asset) and the Debian package dist/moor_VERSION_ARCH.deb. docs/packaging.md explains.
# Env: MOOR_VERSION (default package.json's), MOOR_BUILD (default the git commit),
#      MOOR_TARBALL=0 to skip dist/moor_VERSION_linux-ARCH.tar.xz (binary + units + install.sh),
#      MOOR_DIST_DIR (default dist/), MOOR_DEB_COMPRESSION (default xz; none for quick test builds).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
DIST="$(mkdir -p "${MOOR_DIST_DIR:-$REPO/dist}" && cd "${MOOR_DIST_DIR:-$REPO/dist}" && pwd)"
WORK="$DIST/.work"

say() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: %s\n' "$*" >&2; exit 1; }

VERSION="${MOOR_VERSION:-$(node -p 'require("./package.json").version')}"
[[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "version '$VERSION' is not a Debian version"
if [[ -z "${MOOR_BUILD:-}" ]]; then
  MOOR_BUILD="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  # A build from a tree with local changes must not claim to be that commit.
  if [[ "$MOOR_BUILD" != unknown ]] && ! git diff --quiet HEAD -- agent hub packaging systemd package.json package-lock.json 2>/dev/null; then
    MOOR_BUILD="$MOOR_BUILD-dirty"
  fi
fi
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$NODE_MAJOR" -ge 20 ]] || die "node $NODE_MAJOR: need 20 or newer (SEA with assets)"
case "$(node -p 'process.arch')" in
  x64) ARCH=amd64 ;;
  arm64) ARCH=arm64 ;;
  *) die "unsupported architecture $(node -p 'process.arch')" ;;
esac
ADDON="$REPO/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
[[ -f "$ADDON" ]] || die "$ADDON missing: run npm ci"
ADDON_ID="$(sha256sum "$ADDON" | cut -c1-16)"
# The fuse postject flips; it is compiled into node, so read it from the binary we copy.
FUSE="$(grep -aoE 'NODE_SEA_FUSE_[0-9a-f]{32}' "$NODE_BIN" | head -n1 || true)"
[[ -n "$FUSE" ]] || die "$NODE_BIN has no SEA fuse: node without single executable support"
for tool in strip dpkg-deb; do command -v "$tool" >/dev/null || die "$tool missing (apt-get install binutils dpkg)"; done

rm -rf "$WORK"
mkdir -p "$WORK" "$DIST"

say "bundle (version $VERSION, build $MOOR_BUILD)"
node packaging/bundle.mjs "$WORK/moor.cjs" "$VERSION" "$MOOR_BUILD" "$ADDON_ID" >&2

say "single executable ($NODE_BIN, node $(node -p process.version), $ARCH)"
# The assets: the SQLite addon and the bundles of the libraries loaded on demand (moor.cjs.assets.json).
WORK="$WORK" ADDON="$ADDON" node -e '
  const { readFileSync, writeFileSync } = require("node:fs");
  const work = process.env.WORK;
  const libraries = JSON.parse(readFileSync(`${work}/moor.cjs.assets.json`, "utf8"));
  writeFileSync(`${work}/sea-config.json`, JSON.stringify({
    main: `${work}/moor.cjs`, output: `${work}/sea-prep.blob`, disableExperimentalSEAWarning: true, useCodeCache: true,
    assets: { "better_sqlite3.node": process.env.ADDON, ...libraries },
  }, null, 2));
' 
node --experimental-sea-config "$WORK/sea-config.json" >&2
cp "$NODE_BIN" "$WORK/moor"
chmod u+w "$WORK/moor"
# Strip before injecting: stripping afterwards breaks the blob's note (segfault at start).
strip "$WORK/moor" 2>/dev/null
node_modules/.bin/postject "$WORK/moor" NODE_SEA_BLOB "$WORK/sea-prep.blob" --sentinel-fuse "$FUSE" >"$WORK/postject.log" 2>&1 \
  || { cat "$WORK/postject.log" >&2; die "postject failed"; }
chmod 0755 "$WORK/moor"
# Smoke test with a private cache: the build never writes to /var/cache.
got="$(CACHE_DIRECTORY="$WORK/cache" "$WORK/moor" version)"
[[ "$got" == "moor $VERSION ($MOOR_BUILD,"* ]] || die "the binary says '$got'"
mv "$WORK/moor" "$DIST/moor"

say "debian package"
ROOT="$WORK/deb"
install -D -m 0755 "$DIST/moor" "$ROOT/usr/bin/moor"
install -D -m 0644 systemd/moor.service "$ROOT/lib/systemd/system/moor.service"
install -D -m 0644 systemd/moor-hub.service "$ROOT/lib/systemd/system/moor-hub.service"
install -D -m 0600 config/agent.yaml "$ROOT/etc/moor/agent.yaml"
install -D -m 0600 config/hub.yaml "$ROOT/etc/moor/hub.yaml"
install -D -m 0644 docs/packaging.md "$ROOT/usr/share/doc/moor/packaging.md"
install -d -m 0755 "$ROOT/DEBIAN"
for f in postinst prerm postrm; do install -m 0755 "packaging/debian/$f" "$ROOT/DEBIAN/$f"; done
install -m 0644 packaging/debian/conffiles "$ROOT/DEBIAN/conffiles"
SIZE_KB="$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" packaging/debian/control.in >"$ROOT/DEBIAN/control"
DEB="$DIST/moor_${VERSION}_${ARCH}.deb"
# xz: every dpkg since 1.15 reads it; --threads-max needs dpkg-deb >= 1.21 (else one thread).
COMPRESSION="${MOOR_DEB_COMPRESSION:-xz}"
dpkg-deb --root-owner-group "-Z$COMPRESSION" --threads-max="$(nproc)" --build "$ROOT" "$DEB" >/dev/null 2>"$WORK/dpkg-deb.log" \
  || dpkg-deb --root-owner-group "-Z$COMPRESSION" --build "$ROOT" "$DEB" >/dev/null \
  || { cat "$WORK/dpkg-deb.log" >&2; die "dpkg-deb failed"; }

if [[ "${MOOR_TARBALL:-1}" != 0 ]]; then
  say "tarball for hosts without apt"
  T="$WORK/moor_${VERSION}_linux-$ARCH"
  mkdir -p "$T"
  cp "$DIST/moor" systemd/moor.service systemd/moor-hub.service config/agent.yaml config/hub.yaml packaging/install.sh "$T/"
  tar -C "$WORK" -c "$(basename "$T")" | xz -T0 -6 >"$DIST/moor_${VERSION}_linux-$ARCH.tar.xz"
fi

rm -rf "$WORK"
say "done: $(du -h "$DIST/moor" | cut -f1) $DIST/moor, $(du -h "$DEB" | cut -f1) $DEB"
