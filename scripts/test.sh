#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need, then runs the Rust
# tests and the BI-client tests against the built `csc` binary.
set -euo pipefail
cd "$(dirname "$0")/.."

# The same build cache as `cargo run -- demo` (./target) unless CARGO_TARGET_DIR says otherwise
# (.ci/run keeps it outside the clone), so the README's two commands compile DataFusion once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# Each step prints how long it took, so a slow CI run says where its time went.
step() {
  local started=$SECONDS
  "$@"
  echo "test.sh: \`$*\` took $((SECONDS - started)) s" >&2
}
venv="${CSC_TEST_VENV:-$HOME/.cache/csc-pipeline/venv}"

# Python BI clients (DuckDB, pyarrow, polars) and pytest, in a virtual environment.
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/bi/requirements.txt

command -v xmllint >/dev/null || (apt-get update && apt-get install -y libxml2-utils)
# Headless Chromium prints the performance pack to PDF and opens it offline in the report tests;
# poppler-utils (pdfinfo, pdftotext) reads the PDF back.
if ! command -v chromium >/dev/null || ! command -v pdfinfo >/dev/null; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium poppler-utils
fi
export CSC_REQUIRE_CHROMIUM=1

# Azurite, the Azure Storage emulator the object-store tests run against (Node.js), pinned and
# installed outside the clone once.
azurite_dir="${CSC_AZURITE_DIR:-$HOME/.cache/csc-pipeline/azurite}"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ]; then
  command -v npm >/dev/null || (apt-get update && apt-get install -y nodejs npm)
  mkdir -p "$azurite_dir"
  npm install --prefix "$azurite_dir" --no-audit --no-fund --loglevel=error azurite@3.37.0
fi
export CSC_AZURITE_BIN="$azurite_dir/node_modules/.bin/azurite-blob"
# One feature set for the build and the tests, so nothing compiles twice: the defaults (Ballista)
# and the crash-test failpoints (src/failpoint.rs; never in a release build).
export CSC_FEATURES="failpoints"
# Habits first, so a formatting slip fails in seconds: rustfmt (rustfmt.toml).
step cargo fmt --check
# Clippy lints the workspace's three crates while they compile, warnings as errors, over every target:
# clippy-driver is the compiler for the workspace's own crates only, so the dependencies are built
# once, for the tests, instead of a second time in check mode for a separate `cargo clippy` (the
# same lints as `cargo clippy --all-targets --all-features -- -D warnings`, without a cold check
# build of DataFusion and the rest).
command -v clippy-driver >/dev/null || rustup component add clippy
export RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# Every target (the benches too) built by `cargo test`, which a separate `cargo build` would
# compile again under another profile; then the tests, including the `csc` binary they run.
step cargo test --locked --features "$CSC_FEATURES" --all-targets --no-run
step cargo test --locked --features "$CSC_FEATURES"
CSC_BIN="$CARGO_TARGET_DIR/debug/csc" step "$venv/bin/python" -m pytest -q tests/bi
# Smoke benchmark (issue 8): one synthetic year of Southampton through the debug build, figures
# printed for the log; no timing is asserted. The release figures are in BENCHMARKS.md.
[ -x /usr/bin/time ] || (apt-get update && apt-get install -y time)
CSC_BIN="$CARGO_TARGET_DIR/debug/csc" CSC_BENCH_PROFILE=debug BENCH_FROM=2024-04-01 BENCH_DIR="$(mktemp -d)" bash scripts/bench.sh 852 1
