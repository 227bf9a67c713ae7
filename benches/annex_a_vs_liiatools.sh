#!/usr/bin/env bash
# Times Annex A cleaning: liiatools 0.2.0 (the LIIA Python cleaner, `liiatools annex-a cleanfile`)
# against `csc check` (read, type and check every cell into the core tables) on the same workbook:
# the LIIA sample workbook (tests/fixtures/third_party/annex_a_older_template.xlsx) scaled up to
# ROWS rows in each of its 11 lists. The two are run alternately ROUNDS times; the medians and
# their ratio are printed. A benchmark, not a test: nothing here asserts a speed.
#
# Usage: benches/annex_a_vs_liiatools.sh
#   ROWS=5000 ROUNDS=3      rows per list, timed rounds
#   CSC_BIN=path/to/csc     the csc binary to time (default: build the release binary)
#   LIIATOOLS_VENV=dir      where liiatools is installed (default ~/.cache/csc-pipeline/liiatools)
#   WORK=dir                where the workbook and outputs go (default: a new temporary folder)
# Needs Python 3.11 (python3) to install liiatools; its pinned cchardet does not build there, so
# faust-cchardet provides the same module, and pandas < 2 needs numpy < 2.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rows=${ROWS:-5000}
rounds=${ROUNDS:-3}
venv=${LIIATOOLS_VENV:-$HOME/.cache/csc-pipeline/liiatools}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"

install_liiatools() {
  echo "installing liiatools 0.2.0 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --no-deps liiatools==0.2.0
  "$venv/bin/pip" install -q "PyYAML>=6,<7" "XlsxWriter>=3.0.3,<4" faust-cchardet "click>=8.1.2,<9" \
    "click-log>=0.4,<0.5" "dacite>=1.6,<2" "lxml>=4.9.1,<5" "more-itertools>=8.12,<9" "openpyxl>=3.0.9,<4" \
    "pandas>=1.4.2,<2" "numpy<2" "python-decouple>=3.8,<4" "regex>=2022.4.24,<2023" \
    "sfdata-stream-parser==0.4.1" "tablib[cli,xlsx]>=3.2,<4" "xlrd>=2.0.1,<3" "xmlschema>=1.10,<2"
}
if ! "$venv/bin/python" -m liiatools annex-a --help >/dev/null 2>&1; then
  install_liiatools
fi

csc=${CSC_BIN:-}
if [ -z "$csc" ]; then
  (cd "$root" && cargo build --release --locked --bin csc >&2)
  csc=${CARGO_TARGET_DIR:-$root/target}/release/csc
fi

# liiatools takes the collection year from the file name.
book="$work/Annex_A_2022.xlsx"
"$venv/bin/python" - "$root/tests/fixtures/third_party/annex_a_older_template.xlsx" "$book" "$rows" <<'PY'
# Scales the sample workbook: each list's rows are repeated until it has N rows, every repeat
# with new child (or adopter) ids; values, types and formats are the sample's.
import datetime, sys
import openpyxl, xlsxwriter

source, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = openpyxl.load_workbook(source, read_only=True, data_only=True)  # formulas as their cached values
out = xlsxwriter.Workbook(target, {"constant_memory": True})
date = out.add_format({"num_format": "dd/mm/yyyy"})
for ws in src.worksheets:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header, data = rows[0], [r for r in rows[1:] if any(v not in (None, "") for v in r)]
    sheet = out.add_worksheet(ws.title)
    for c, h in enumerate(header):
        sheet.write_string(0, c, "" if h is None else str(h))
    for i in range(n):
        row = data[i % len(data)]
        for c, v in enumerate(row):
            if c == 0 and v is not None:
                v = f"{v}{i // len(data):05d}"
            if v is None:
                continue
            if isinstance(v, datetime.datetime):
                sheet.write_datetime(i + 1, c, v, date)
            elif isinstance(v, (int, float)):
                sheet.write_number(i + 1, c, v)
            else:
                sheet.write_string(i + 1, c, str(v))
out.close()
PY
echo "workbook: $book ($rows rows in each of 11 lists)"

# Runs a command, its output to $work/last.log; prints "wall cpu" in seconds (cpu = user + system
# time of the command and its children). On a shared machine CPU time is the fairer comparison:
# wall time also counts waiting for the cores. `allow` is the highest exit status that is not a
# failure (csc check exits 2 when the workbook has error-severity issues, as the sample does).
timed() {
  local allow=$1 rc t
  shift
  TIMEFORMAT='%R %U %S'
  t=$( { time "$@" >"$work/last.log" 2>&1; } 2>&1 ) && rc=0 || rc=$?
  if [ "$rc" -gt "$allow" ]; then
    echo "failed ($rc): $*" >&2
    tail -20 "$work/last.log" >&2
    exit 1
  fi
  set -- $t
  echo "$1 $(echo "$2 + $3" | bc -l)"
}

liia_wall=() liia_cpu=() ours_wall=() ours_cpu=()
for round in $(seq "$rounds"); do
  rm -rf "$work/liia_out" "$work/liia_logs"
  mkdir -p "$work/liia_out" "$work/liia_logs"
  read -r lw lc < <(timed 0 "$venv/bin/python" -m liiatools annex-a cleanfile --i "$book" --la_code sou --la_log_dir "$work/liia_logs" --o "$work/liia_out")
  read -r ow oc < <(timed 2 "$csc" check --input "$book")
  cp "$work/last.log" "$work/csc.log"
  liia_wall+=("$lw") liia_cpu+=("$lc") ours_wall+=("$ow") ours_cpu+=("$oc")
  printf 'round %d: liiatools %.2f s wall, %.2f s CPU; csc check %.3f s wall, %.3f s CPU\n' "$round" "$lw" "$lc" "$ow" "$oc"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mlw=$(median "${liia_wall[@]}") mlc=$(median "${liia_cpu[@]}")
mow=$(median "${ours_wall[@]}") moc=$(median "${ours_cpu[@]}")
echo "csc check output (last round):"
sed 's/^/  /' "$work/csc.log"
echo "medians over $rounds rounds, 11 lists x $rows rows, csc = $csc:"
printf '  wall: liiatools %.2f s, csc check %.3f s: %.0fx\n' "$mlw" "$mow" "$(echo "$mlw / $mow" | bc -l)"
printf '  CPU:  liiatools %.2f s, csc check %.3f s: %.0fx\n' "$mlc" "$moc" "$(echo "$mlc / $moc" | bc -l)"
