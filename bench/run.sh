#!/usr/bin/env bash
# `npm run bench`: build, start the private test engine and images if needed, run every benchmark
# (bench/run.ts) and rewrite docs/benchmarks.md. Stops the engine only if this script started it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
mkdir -p .test-bed/logs
npm run --silent build
started=0
if ! bash test/bed/docker.sh status; then
  bash test/bed/docker.sh start
  started=1
fi
cleanup() { [[ $started == 1 ]] && bash test/bed/docker.sh stop; return 0; }
trap cleanup EXIT
eval "$(bash test/bed/docker.sh env)"
bash test/bed/images.sh
node build/bench/run.js "$@"
