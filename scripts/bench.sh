#!/usr/bin/env bash
# Benchmark: one local authority end to end (release build), on the synthetic LA.
#   bash scripts/bench.sh [LA_CODE] [RUNS]
# Generates the synthetic extract once, then times `csc run --force` RUNS times, printing wall
# time, peak memory (max RSS) and each stage's time from the run manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
la="${1:-852}"
runs="${2:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/csc-pipeline/target}"
cargo build --release --locked --bin csc
csc="$CARGO_TARGET_DIR/release/csc"
work="${BENCH_DIR:-$(mktemp -d)}"
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') memory; build: release; work dir: $work"
/usr/bin/time -f "synth: %e s wall, %M KB max RSS" "$csc" synth --la "$la" --from 2019-04-01 --to 2025-03-31 --seed 1 --out "$work/synth" > /dev/null
du -sh "$work/synth/ssd" | awk '{print "input: " $1}'
export CSC_PSEUDONYM_KEY="benchmark key, not a secret"
for i in $(seq 1 "$runs"); do
  /usr/bin/time -f "run $i: %e s wall, %M KB max RSS" "$csc" run --la "$la" --input "$work/synth/ssd" \
    --warehouse "$work/warehouse" --as-at 2025-03-31 --force --log-format json 2> >(grep -v '^{' >&2) > /dev/null
  python3 - "$work/warehouse/_runs/latest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("  stages: " + ", ".join("%s %d ms (%s rows in)" % (s["stage"], s["elapsed_ms"], format(s["rows_in"], ",")) for s in m["stages"]))
PY
done
