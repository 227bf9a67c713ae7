#!/usr/bin/env bash
# Runs each fuzz target in fuzz/ for a bounded time, one after another (default 600 s each), on
# one core. Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# The growing corpus lives outside the clone; the committed seeds in fuzz/corpus/<target>/ are
# read but never written. A crash stops the script: copy the input libFuzzer names into
# fuzz/corpus/<target>/ as a regression case, fix the reader, and run again.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ssd_csv vendor_csv cin_xml ssda903 annex_a toml_config)
work="${CSC_FUZZ_DIR:-$HOME/.cache/csc-pipeline/fuzz}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$work/target}"
# Unoptimised and without a sanitizer by default: an optimised build of DataFusion and Delta with
# coverage instrumentation takes hours on two cores. CSC_FUZZ_FLAGS="-O -a" for an optimised one.
read -r -a flags <<< "${CSC_FUZZ_FLAGS:---dev}"
flags+=(-s none)
cargo +nightly fuzz build "${flags[@]}"
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  echo "== $t: ${seconds} s"
  cargo +nightly fuzz run "${flags[@]}" "$t" "$work/corpus/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
    -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1
done
