#!/usr/bin/env bash
# First step of `npm test` and `npm run up` on any machine, fresh clone included: check Node, then bring
# node_modules in line with package-lock.json (npm ci) when it is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e '
const [maj, min] = process.versions.node.split(".").map(Number);
if (maj < 20 || (maj === 20 && min < 19)) {
  console.error(`Fieldline needs Node.js >= 20.19 (for require(esm), which NestJS 12 relies on); this is ${process.version}.`);
  process.exit(1);
}'

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Node dependencies (npm ci) …"
  # mediasoup's postinstall would download or build its C++ worker from GitHub, which these machines
  # cannot reach; a set MEDIASOUP_WORKER_BIN tells it a worker is provided (apps/media says when not).
  MEDIASOUP_WORKER_BIN="${MEDIASOUP_WORKER_BIN:-not-installed}" npm ci --no-audit --no-fund --loglevel=error
fi
