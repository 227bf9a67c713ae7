#!/usr/bin/env bash
# Benchmark: the pipeline end to end (release build) on synthetic local authorities.
#   bash scripts/bench.sh [SCOPE] [RUNS]
# SCOPE is one DfE LA code (default 852, Southampton), a comma-separated list of codes,
# `south-east` (the region's 19 LAs) or `england` (every LA the generator covers). Six financial
# years (2019-20 to 2024-25) of SSD extract are generated once per LA. One LA is timed as
# `csc run --force`; several LAs as one `csc hub --force` (each LA its own run and warehouse,
# BENCH_JOBS at a time in one process, as a regional hub runs them). Each is timed RUNS times with
# GNU time (Debian package `time`), printing wall time, peak memory (max RSS), each stage's time
# from the run manifests (and for one LA the peak memory so far at the end of each stage), input
# bytes and rows per second; for several LAs, the whole hub's wall
# time and peak memory and each stage's time summed over the LAs (stages of LAs run at once
# overlap, so the sums exceed the wall time).
# Environment: BENCH_DIR (work folder; default a new temporary one), BENCH_FROM (first day of
# the extract; default 2019-04-01), BENCH_JOBS (LAs at once in a hub; default the cores), CSC_BIN
# (a built csc; default build the release binary with cargo), CSC_BENCH_PROFILE (release or
# debug; default release), CSC_BENCH_ARGS (extra flags, e.g. "--memory-limit 512MiB").
set -euo pipefail
cd "$(dirname "$0")/.."
scope="${1:-852}"
runs="${2:-3}"
profile="${CSC_BENCH_PROFILE:-release}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/csc-pipeline/target}"
if [ -z "${CSC_BIN:-}" ]; then
  if [ "$profile" = release ]; then cargo build --release --locked --bin csc; else cargo build --locked ${CSC_FEATURES:+--features "$CSC_FEATURES"} --bin csc; fi
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
  [ -f "$work/synth/calibration_report.csv" ] || /usr/bin/time -f "synth (all LAs): %e s wall, %M KB max RSS" "$CSC_BIN" synth --la all "${synth_args[@]}" --out "$work/synth" > /dev/null
  las="$(cd "$work/synth" && for d in */ssd; do echo "${d%/ssd}"; done | sort -n | tr '\n' ' ')"
else
  for la in $las; do
    [ -d "$work/synth/$la/ssd" ] || /usr/bin/time -f "synth $la: %e s wall, %M KB max RSS" "$CSC_BIN" synth --la "$la" "${synth_args[@]}" --out "$work/synth/$la" > /dev/null
  done
fi
echo "input: $(du -sch "$work"/synth/*/ssd | tail -1 | cut -f1) of SSD extract for $(echo $las | wc -w) LA(s)"

export CSC_PSEUDONYM_KEY="62656e63686d61726b206b65792c206e6f74206120736563726574202020202020"  # 32 bytes as hex, not a secret
results="$work/results.jsonl"
: > "$results"
record() { # record RUN LA WALL_S RSS_KB: one LA's manifest as a line of results.jsonl
  python3 - "$work/warehouse/$2/_runs/latest.json" "$1" "$2" "$3" "$4" >> "$results" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
stages = {s["stage"]: s for s in m["stages"]}
print(json.dumps({"run": int(sys.argv[2]), "la": sys.argv[3], "wall_s": float(sys.argv[4]), "max_rss_mib": int(sys.argv[5]) / 1024,
                  "input_bytes": sum(i["size_bytes"] for i in m["inputs"]), "rows": stages["normalise"]["rows_in"],
                  "stages_ms": {k: v["elapsed_ms"] for k, v in stages.items()},
                  "peak_mib_after": {k: v.get("peak_rss_mib") for k, v in stages.items()}}))
PY
}
n_las=$(echo $las | wc -w)
for i in $(seq 1 "$runs"); do
  if [ "$n_las" = 1 ]; then
    # shellcheck disable=SC2086
    /usr/bin/time -o "$work/time.txt" -f "%e %M" "$CSC_BIN" --log-format json run --la "$las" --input "$work/synth/$las/ssd" \
      --warehouse "$work/warehouse/$las" --as-at 2025-03-31 --force ${CSC_BENCH_ARGS:-} 2> >(grep -v '^{' >&2) > /dev/null
    read -r wall rss < "$work/time.txt"
    record "$i" "$las" "$wall" "$rss"
  else
    # shellcheck disable=SC2086
    /usr/bin/time -o "$work/time.txt" -f "%e %M" "$CSC_BIN" --log-format json hub --la "${las// /,}" --input "$work/synth/{la}/ssd" \
      --warehouse "$work/warehouse" --as-at 2025-03-31 --force --jobs "${BENCH_JOBS:-$(nproc)}" ${CSC_BENCH_ARGS:-} 2> >(grep -v '^{' >&2) > "$work/hub.txt" || { cat "$work/hub.txt"; exit 1; }
    read -r wall rss < "$work/time.txt"
    for la in $las; do record "$i" "$la" 0 0; done
    echo "{\"run\": $i, \"hub\": true, \"wall_s\": $wall, \"max_rss_mib\": $((rss / 1024))}" >> "$results"
  fi
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ms = lambda d: ", ".join("%s %s ms" % (k, format(v, ",")) for k, v in d.items())
for run in sorted({r["run"] for r in rows}):
    las = [r for r in rows if r["run"] == run and "la" in r]
    hub = [r for r in rows if r["run"] == run and r.get("hub")]
    if not hub:
        r = las[0]
        print("run %d: wall %.2f s, peak %d MiB, %s input bytes, %s rows, %s rows/s; %s; peak memory so far after each stage: %s" % (run, r["wall_s"], r["max_rss_mib"], format(r["input_bytes"], ","),
              format(r["rows"], ","), format(int(r["rows"] / r["wall_s"]), ","), ms(r["stages_ms"]),
              ", ".join("%s %s MiB" % (k, v) for k, v in r["peak_mib_after"].items())))
        continue
    for r in las:
        print("run %d, LA %s: %s rows, %s" % (run, r["la"], format(r["rows"], ","), ms(r["stages_ms"])))
    rows_all = sum(r["rows"] for r in las)
    stages = {k: sum(r["stages_ms"].get(k, 0) for r in las) for k in las[0]["stages_ms"]}
    print("run %d, all %d LAs in one hub: wall %.1f s, peak %d MiB, %s input bytes, %s rows, %s rows/s; stage times summed over LAs: %s"
          % (run, len(las), hub[0]["wall_s"], hub[0]["max_rss_mib"], format(sum(r["input_bytes"] for r in las), ","), format(rows_all, ","),
             format(int(rows_all / hub[0]["wall_s"]), ","), ms(stages)))
PY
