#!/usr/bin/env bash
# Sets up and runs moor for real on this machine as a sample host (README, first command): the
# Debian packages and node modules it needs, a private Docker engine when none is running, a
# local git server with the host's config repo, the fleet hub, and the agent in the foreground.
# `--check` runs until the host has converged and exits (used by the test suite).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
bash test/bed/install.sh
bash test/bed/node-deps.sh

started_engine=""
if DOCKER_HOST=unix:///var/run/docker.sock docker version >/dev/null 2>&1; then
  SOCK=/var/run/docker.sock
else
  if ! bash test/bed/docker.sh status >/dev/null 2>&1; then started_engine=yes; fi
  bash test/bed/docker.sh start
  SOCK="$(bash test/bed/docker.sh env | sed -n 's/^export MOOR_TEST_DOCKER_SOCK=//p')"
fi
DOCKER_HOST="unix://$SOCK" bash test/bed/images.sh

cleanup() { if [[ -n "$started_engine" ]]; then bash test/bed/docker.sh stop; fi; }
trap cleanup EXIT
# --fleet: three sample hosts from one fleet branch (moor fleet publish), see docs/fleet.md.
if [[ " $* " == *" --fleet "* ]]; then node build/packaging/demo/fleet-demo.js "$SOCK" "$@"; exit; fi
node build/packaging/demo/demo.js "$SOCK" "$@"
