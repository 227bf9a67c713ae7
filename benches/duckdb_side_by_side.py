"""Side by side: csc's measure SQL on DataFusion (our model stage) and on DuckDB, over the same
core Parquet, run alternately so that machine noise falls on both engines alike.

    python benches/duckdb_side_by_side.py --warehouse WH --la 852 --as-at 2025-03-31 [--runs 5]

WH is a warehouse a `csc run` published (its restricted core tables are read by both engines).
The DataFusion side is `cargo bench --bench model` (benches/model.rs), built once in the bench
profile (= release); each run is a fresh process timing session set-up plus every measure (not
the year-to-date pass, the same files again over other periods, which DuckDB does not run). The
DuckDB side is a fresh in-memory connection per run, timing the same set-up (views over the
same Parquet files, and the shared views of sql/views/ computed once as tables, as the model
stage computes them in process) plus the same measure queries, in the same dependency order: the
model bench exports them (queries.json) as the model runs them.

csc's SQL calls Rust functions; here they are DuckDB macros with the same meaning:
working_days (elapsed England and Wales working days, from reference/calendar/), days_between,
regexp_match, age_at, financial_year, financial_year_start. The tables the model builds in Rust
(params, the periods, the reference and settings tables) are exported once by the model bench
and read by DuckDB, so both engines see identical periods. Measures whose SQL DuckDB cannot run
are listed and left out of the comparison, and every compared measure's numbers are checked
against DataFusion's.

Needs the `duckdb` Python package (tests/bi/requirements.txt installs it). Prints medians of
both engines' times and their ratio, with every run's figures.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
HOLIDAYS = ROOT / "reference" / "calendar" / "england_wales_bank_holidays.csv"

# csc's Rust SQL functions as DuckDB macros. Working days: an index counting working days up to
# and including each day, so that elapsed working days from a to b (same day = 0, Friday to
# Monday = 1, negative when b is before a) is idx(b) - idx(a), as calendar.rs counts them.
MACROS = [
    f"""CREATE TABLE bank_holiday AS
        SELECT CAST(date AS DATE) AS day FROM read_csv('{HOLIDAYS}', header = true, columns = {{'date': 'DATE', 'source': 'VARCHAR'}})""",
    """CREATE TABLE wd_calendar AS
        SELECT day,
               sum(CASE WHEN isodow(day) <= 5 AND day NOT IN (SELECT day FROM bank_holiday) THEN 1 ELSE 0 END) OVER (ORDER BY day) AS idx,
               isodow(day) <= 5 AND day NOT IN (SELECT day FROM bank_holiday) AS is_working
        FROM (SELECT CAST(range AS DATE) AS day FROM range(DATE '1990-01-01', DATE '2061-01-01', INTERVAL 1 DAY))""",
    "CREATE MACRO working_days(a, b) AS (SELECT idx FROM wd_calendar WHERE day = b) - (SELECT idx FROM wd_calendar WHERE day = a)",
    """CREATE MACRO working_days_inclusive(a, b) AS
        working_days(a, b) + CASE WHEN b >= a AND (SELECT is_working FROM wd_calendar WHERE day = a) THEN 1 ELSE 0 END""",
    "CREATE MACRO days_between(a, b) AS (b - a)",
    # DataFusion's regexp_match gives the capture groups as a list (NULL without a match); the
    # one file using it takes group 1 and treats no match as ''.
    "CREATE MACRO regexp_match(s, p) AS [regexp_extract(s, p, 1)]",
    """CREATE MACRO age_at(born, d) AS
        CASE WHEN d < born THEN NULL
             ELSE year(d) - year(born) - CASE WHEN month(d) * 100 + day(d) < month(born) * 100 + day(born) THEN 1 ELSE 0 END END""",
    "CREATE MACRO fy_start_year(d) AS CASE WHEN month(d) >= 4 THEN year(d) ELSE year(d) - 1 END",
    "CREATE MACRO financial_year(d) AS printf('%d-%02d', fy_start_year(d), (fy_start_year(d) + 1) % 100)",
    "CREATE MACRO financial_year_start(d) AS make_date(CAST(fy_start_year(d) AS INTEGER), 4, 1)",
]


def model_queries(inputs):
    """(tables, views, measures) as the model bench exported them: the names of the tables it
    built in Rust, and each view and measure as (name, sql), measures in execution order and each
    as the model runs it (a distribution or count-and-percent file inside its shared ending)."""
    q = json.loads((inputs / "queries.json").read_text())
    views, measures = [tuple(v) for v in q["views"]], [tuple(m) for m in q["measures"]]
    if not measures:
        sys.exit("the model bench exported no measure queries")
    return q["inputs"], views, measures


def core_tables(warehouse):
    return sorted(p.name for p in (Path(warehouse) / "restricted" / "core").iterdir() if p.is_dir())


def duckdb_pass(warehouse, inputs, tables, views, measures):
    """One DuckDB run: set-up and every measure. Returns (seconds, {measure: rows}, {measure: error})."""
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    for stmt in MACROS:
        con.execute(stmt)
    for t in core_tables(warehouse):
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{Path(warehouse) / 'restricted' / 'core' / t}/*.parquet')")
    for t in tables:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{inputs / (t + '.parquet')}')")
    for name, sql in views:
        try:
            # As the model stage does in process, each shared view is computed once, as a table.
            con.execute(f"CREATE TABLE {name} AS {sql}")
        except duckdb.Error:
            pass  # a view DuckDB cannot parse fails the measures that use it, which are reported
    results, errors = {}, {}
    for m, sql in measures:
        try:
            con.execute(f"CREATE TABLE m_{m} AS {sql}")
            results[m] = con.execute(
                f"SELECT measure_id, period_type, period_start, numerator, denominator, value FROM m_{m}"
            ).fetchall()
        except duckdb.Error as e:
            errors[m] = str(e).splitlines()[0][:160]
    con.close()
    return time.perf_counter() - started, results, errors


def datafusion_pass(bench, args, export=None, only=None):
    cmd = [bench, "--warehouse", args.warehouse, "--la", args.la, "--as-at", args.as_at]
    if only:
        cmd += ["--measures", ",".join(only)]
    if export:
        cmd += ["--export", str(export)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def build_bench():
    """Builds the model bench (release profile) and returns its executable."""
    env = dict(os.environ)
    cmd = ["cargo", "bench", "--bench", "model", "--no-run", "--message-format", "json"]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, env=env).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "model" and msg.get("executable"):
            return msg["executable"]
    sys.exit("cargo did not report the model bench executable")


def agreement(inputs, results):
    """Per measure, rows where DuckDB's figures differ from DataFusion's (exported measure_results)."""
    con = duckdb.connect(":memory:")
    ours = {}
    for row in con.execute(
        f"SELECT measure_id, period_type, period_start, numerator, denominator, value FROM read_parquet('{inputs / 'measure_results.parquet'}')"
    ).fetchall():
        ours[(row[0], row[1], row[2])] = row[3:]
    diffs = {}
    for m, rows in results.items():
        bad = 0
        theirs = {}
        for r in rows:
            theirs[(r[0], r[1], r[2])] = r[3:]
        keys = {k for k in ours if k[0] in {r[0] for r in rows}} | set(theirs)
        for k in keys:
            a, b = ours.get(k), theirs.get(k)
            if a is None or b is None:
                bad += 1
                continue
            same_counts = a[0] == b[0] and a[1] == b[1]
            same_value = (a[2] is None and b[2] is None) or (a[2] is not None and b[2] is not None and abs(a[2] - b[2]) <= 1e-9 * max(1.0, abs(a[2])))
            bad += not (same_counts and same_value)
        diffs[m] = (bad, len(keys))
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--la", required=True)
    ap.add_argument("--as-at", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bench", help="model bench executable (default: build it with cargo)")
    args = ap.parse_args()

    bench = args.bench or build_bench()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp)
        datafusion_pass(bench, args, export=inputs)  # warm-up, and the periods and SQL DuckDB reads
        tables, views, measures = model_queries(inputs)
        # Warm-up, and which measure files DuckDB can run: both engines then run only those.
        _, _, errors = duckdb_pass(args.warehouse, inputs, tables, views, measures)
        compared = [(m, sql) for m, sql in measures if m not in errors]
        df_ms, dd_ms = [], []
        for i in range(args.runs):
            # Alternate which engine goes first, so neither always runs on a warmer machine.
            order = ["datafusion", "duckdb"] if i % 2 == 0 else ["duckdb", "datafusion"]
            for engine in order:
                if engine == "datafusion":
                    df_ms.append(datafusion_pass(bench, args, only=[m for m, _ in compared])["model_ms"])
                else:
                    secs, results, _ = duckdb_pass(args.warehouse, inputs, tables, views, compared)
                    dd_ms.append(secs * 1000)
            print(f"run {i + 1}: datafusion {df_ms[-1]:.0f} ms, duckdb {dd_ms[-1]:.0f} ms, ratio {df_ms[-1] / dd_ms[-1]:.2f}")
        diffs = agreement(inputs, results)

    ran = [m for m, _ in measures if m not in errors]
    print(f"measure files: {len(measures)}; run on DuckDB: {len(ran)}; DuckDB could not run: {len(errors)}")
    for m, e in errors.items():
        print(f"  not on DuckDB: {m}: {e}")
    disagree = {m: d for m, d in diffs.items() if d[0]}
    rows = sum(total for _, total in diffs.values())
    print(f"agreement: {len(diffs) - len(disagree)} of {len(diffs)} measure files give the same numbers on both engines ({rows:,} rows compared)")
    for m, (bad, total) in disagree.items():
        print(f"  differs: {m}: {bad} of {total} rows")
    df, dd = statistics.median(df_ms), statistics.median(dd_ms)
    note = f" (both engines ran the {len(ran)} measure files DuckDB can run)" if errors else ""
    print(f"median over {args.runs} alternating runs: datafusion {df:.0f} ms, duckdb {dd:.0f} ms, datafusion/duckdb = {df / dd:.2f}{note}")


if __name__ == "__main__":
    main()
