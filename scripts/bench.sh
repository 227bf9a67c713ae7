#!/usr/bin/env bash
# Benchmark: the pipeline end to end (release build) on synthetic local authorities.
#   bash scripts/bench.sh [SCOPE] [RUNS]
# SCOPE is one DfE LA code (default 852, Southampton), a comma-separated list of codes,
# `south-east` (the region's 19 LAs) or `england` (every LA the generator covers). Each LA is its
# own nightly run with its own warehouse, as councils run them; a scope of several LAs runs them
# one after another. Six financial years (2019-20 to 2024-25) of SSD extract are generated once
# per LA, then `csc run --force` is timed RUNS times per LA with GNU time (Debian package `time`),
# printing wall time, peak memory (max RSS), each stage's time from the run manifest, input bytes
# and rows per second, and for several LAs the totals.
# Environment: BENCH_DIR (work folder; default a new temporary one), BENCH_FROM (first day of
# the extract; default 2019-04-01), CSC_BIN (a built csc; default
# build the release binary with cargo), CSC_BENCH_PROFILE (release or debug; default release),
# CSC_BENCH_ARGS (extra `csc run` flags, e.g. "--memory-limit 512MiB").
set -euo pipefail
cd "$(dirname "$0")/.."
scope="${1:-852}"
runs="${2:-3}"
profile="${CSC_BENCH_PROFILE:-release}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/csc-pipeline/target}"
if [ -z "${CSC_BIN:-}" ]; then
  if [ "$profile" = release ]; then cargo build --release --locked --bin csc; else cargo build --locked --features ballista --bin csc; fi
  CSC_BIN="$CARGO_TARGET_DIR/$profile/csc"
fi
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -h | awk '/Mem:/ {print $2}') memory; build: $profile; csc: $CSC_BIN; work dir: $work"

case "$scope" in
  south-east) las="887 867 869 870 871 868 872 826 846 851 852 921 825 845 850 886 931 936 938" ;;
  england) las="" ;;
  *) las="${scope//,/ }" ;;
esac

synth_args=(--from "${BENCH_FROM:-2019-04-01}" --to 2025-03-31 --seed 1)
if [ "$scope" = england ]; then
  /usr/bin/time -f "synth (all LAs): %e s wall, %M KB max RSS" "$CSC_BIN" synth --la all "${synth_args[@]}" --out "$work/synth" > /dev/null
  las="$(cd "$work/synth" && for d in */ssd; do echo "${d%/ssd}"; done | sort -n | tr '\n' ' ')"
else
  for la in $las; do
    [ -d "$work/synth/$la/ssd" ] || /usr/bin/time -f "synth $la: %e s wall, %M KB max RSS" "$CSC_BIN" synth --la "$la" "${synth_args[@]}" --out "$work/synth/$la" > /dev/null
  done
fi
echo "input: $(du -sch "$work"/synth/*/ssd | tail -1 | cut -f1) of SSD extract for $(echo $las | wc -w) LA(s)"

export CSC_PSEUDONYM_KEY="benchmark key, not a secret"
results="$work/results.jsonl"
: > "$results"
for i in $(seq 1 "$runs"); do
  for la in $las; do
    # shellcheck disable=SC2086
    /usr/bin/time -o "$work/time.txt" -f "%e %M" "$CSC_BIN" run --la "$la" --input "$work/synth/$la/ssd" \
      --warehouse "$work/warehouse/$la" --as-at 2025-03-31 --force --log-format json ${CSC_BENCH_ARGS:-} 2> >(grep -v '^{' >&2) > /dev/null
    python3 - "$work/warehouse/$la/_runs/latest.json" "$work/time.txt" "$i" "$la" >> "$results" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
wall, rss_kb = open(sys.argv[2]).read().split()
stages = {s["stage"]: s for s in m["stages"]}
print(json.dumps({"run": int(sys.argv[3]), "la": sys.argv[4], "wall_s": float(wall), "max_rss_mib": int(rss_kb) / 1024,
                  "input_bytes": sum(i["size_bytes"] for i in m["inputs"]), "rows": stages["normalise"]["rows_in"],
                  "stages_ms": {k: v["elapsed_ms"] for k, v in stages.items()}}))
PY
  done
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
fmt = lambda r: ("wall %.2f s, peak %d MiB, %s input bytes, %s rows, %s rows/s; " % (r["wall_s"], r["max_rss_mib"], format(r["input_bytes"], ","), format(r["rows"], ","), format(int(r["rows"] / r["wall_s"]), ","))
                 + ", ".join("%s %s ms" % (k, format(v, ",")) for k, v in r["stages_ms"].items()))
las = sorted({r["la"] for r in rows}, key=lambda x: [r["la"] for r in rows].index(x))
for run in sorted({r["run"] for r in rows}):
    mine = [r for r in rows if r["run"] == run]
    if len(las) == 1:
        print("run %d: %s" % (run, fmt(mine[0])))
        continue
    for r in mine:
        print("run %d, LA %s: %s" % (run, r["la"], fmt(r)))
    total = {"wall_s": sum(r["wall_s"] for r in mine), "max_rss_mib": max(r["max_rss_mib"] for r in mine),
             "input_bytes": sum(r["input_bytes"] for r in mine), "rows": sum(r["rows"] for r in mine),
             "stages_ms": {k: sum(r["stages_ms"][k] for r in mine) for k in mine[0]["stages_ms"]}}
    print("run %d, all %d LAs one after another: %s" % (run, len(mine), fmt(total)))
PY
