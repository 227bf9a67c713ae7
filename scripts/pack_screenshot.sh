#!/usr/bin/env bash
# Takes the README's screenshot of the performance pack: runs the synthetic demo and has headless
# Chromium (Debian package `chromium`) open the pack's HTML from disk, with every host unreachable,
# exactly as the report tests do. Writes docs/images/performance_pack.png.
set -euo pipefail
cd "$(dirname "$0")/.."
csc="${CSC_BIN:-${CARGO_TARGET_DIR:-target}/debug/csc}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$csc" demo --out "$out/demo" > "$out/demo.log" 2>&1
html="$(ls "$out"/demo/reports/performance_pack_*.html)"
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --host-resolver-rules='MAP * ~NOTFOUND' \
  --user-data-dir="$out/profile" --window-size=1400,1500 \
  --screenshot="$PWD/docs/images/performance_pack.png" "file://$html" 2>/dev/null
echo "docs/images/performance_pack.png from $html"
