#!/usr/bin/env bash
# Runs the benches on two Node binaries, alternating (A, B, A, B …) so both meet the same machine in
# the same hour, and prints one summary line per run. Usage:
#   bash tools/bench/compare-node.sh <node A> <node B> [rounds]
# e.g. bash tools/bench/compare-node.sh /usr/bin/node ~/.cache/fieldline/node-v24.22.3-linux-x64/bin/node 2
# Logs go to .data/bench-node/<bench>-<A|B>-<round>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 <node A> <node B> [rounds]" >&2; exit 2; }
nodes=("$1" "$2")
rounds="${3:-2}"
out=.data/bench-node
mkdir -p "$out"
bash tools/bootstrap.sh --build true

run() { # label node bench args…
  local label=$1 node=$2 bench=$3; shift 3
  echo "▸ $label on $("$node" -v) …"
  PATH="$(dirname "$node"):$PATH" "$node" --import tsx "tools/bench/$bench.bench.ts" "$@" > "$out/$label.log" 2>&1
}

for round in $(seq 1 "$rounds"); do
  for i in 0 1; do run "api-$i-$round" "${nodes[$i]}" api --seconds 8; done
  for i in 0 1; do run "ingest-$i-$round" "${nodes[$i]}" ingest --devices 2000 --seconds 10; done
  for i in 0 1; do run "realtime-$i-$round" "${nodes[$i]}" realtime --fanout 0; done
  for i in 0 1; do run "projector-$i-$round" "${nodes[$i]}" projector --events 100000 --rebuild-events 200000; done
done

for i in 0 1; do
  for round in $(seq 1 "$rounds"); do
    l() { cat "$out/$1-$i-$round.log"; }
    echo "$("${nodes[$i]}" -v) round $round |" \
      "api: $(l api | grep -o 'baseline) *[0-9]* req/s' | grep -o '[0-9]* req/s'), $(l api | grep -o 'commands/s in create+assign: [0-9]* (p99 [0-9]* ms)') |" \
      "ingest: $(l ingest | grep -o 'ingest saturated: [0-9.]* %'), $(l ingest | grep -o 'p99 PUBACK [0-9.]* ms (bare [0-9.]* ms)'), $(l ingest | grep -o 'RSS at the end [0-9]* MB') |" \
      "realtime: $(l realtime | grep -o 'fixes: p50 [0-9.]* ms, p99 [0-9.]* ms') |" \
      "projector: $(l projector | grep -o 'drain (history+live+feed) *[0-9,]* rows/s = [0-9.]* %' | tr -s ' ')"
  done
done
