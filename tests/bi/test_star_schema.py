"""The star schema as an analyst opens it: fact_measure joined to dim_measure and dim_period in
DuckDB, the benchmarks beside it, and column types Power BI reads (plain strings, dates, 64-bit
numbers, no dictionary encoding).

Expected numbers: the demo's hand-worked FY2021-22 answers (demo/EXPECTED.md: 19 referrals,
19 / 49,388 x 10,000 = 3.8471 per 10k), and DfE's published figures for Southampton 2020/21
(4,092 referrals / 49,737 children x 10,000 = 822.7; statistical-neighbour mean 656.1,
docs/definitions.md §4.4).
"""
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

MARTS = ["dim_measure", "dim_period", "dim_la", "benchmarks", "measure_rag"]


def fact(warehouse):
    return f"read_parquet('{warehouse}/marts/fact_measure/financial_year=*/*.parquet', hive_partitioning = true)"


def mart(warehouse, name):
    return f"read_parquet('{warehouse}/marts/{name}/*.parquet')"


def test_fact_joins_dim_measure_and_dim_period(warehouse):
    con = duckdb.connect()
    rows = con.execute(
        f"""
        SELECT m.measure_name, m.unit, m.good, p.label, p.is_complete, f.numerator, f.value
        FROM {fact(warehouse)} f
        JOIN {mart(warehouse, 'dim_measure')} m USING (measure_id)
        JOIN {mart(warehouse, 'dim_period')} p USING (period_type, period_start)
        WHERE f.measure_id IN ('referrals', 'referral_rate_per_10k') AND f.period_type = 'financial_year'
          AND p.label = '2021-22'
        ORDER BY m.unit
        """
    ).fetchall()
    assert [(r[1], r[3], r[4], r[5]) for r in rows] == [("count", "2021-22", True, 19), ("rate_per_10k", "2021-22", True, 19)]
    assert rows[1][6] == pytest.approx(3.8471, abs=5e-5)
    assert rows[0][0] == "Number of referrals"
    # Every fact row finds its measure and its period.
    unmatched = con.execute(
        f"""
        SELECT count(*) FROM {fact(warehouse)} f
        LEFT JOIN {mart(warehouse, 'dim_measure')} m USING (measure_id)
        LEFT JOIN {mart(warehouse, 'dim_period')} p USING (period_type, period_start)
        WHERE m.measure_id IS NULL OR p.label IS NULL
        """
    ).fetchone()[0]
    assert unmatched == 0


def test_benchmarks_compare_the_la_with_its_neighbours(warehouse):
    con = duckdb.connect()
    row = con.execute(
        f"""
        SELECT round(b.published_value, 1), round(b.sn_mean, 1), b.sn_count, round(b.england_value, 1), b.region_name
        FROM {mart(warehouse, 'benchmarks')} b
        WHERE b.measure_id = 'referral_rate_per_10k' AND b.financial_year = '2020-21'
        """
    ).fetchone()
    assert row == (822.7, 656.1, 10, 507.1, "South East")
    # The neighbours themselves, through dim_la.
    names = con.execute(
        f"SELECT la_name FROM {mart(warehouse, 'dim_la')} WHERE sn_rank_to_this_la IS NOT NULL ORDER BY sn_rank_to_this_la"
    ).fetchall()
    assert [n[0] for n in names][:2] == ["Portsmouth", "Sheffield"]


def test_marts_use_types_power_bi_reads(warehouse):
    allowed = {pa.string(), pa.date32(), pa.int64(), pa.float64(), pa.bool_()}
    for name in MARTS:
        (data_file,) = (warehouse / "marts" / name).glob("*.parquet")
        schema = pq.read_schema(data_file)
        for field in schema:
            assert field.type in allowed, f"{name}.{field.name} is {field.type}"
            assert not pa.types.is_dictionary(field.type)


def test_fact_relates_to_dim_period_on_one_column(warehouse):
    # Power BI relationships take one column: every fact row finds its period by period_key.
    con = duckdb.connect()
    total, matched = con.execute(
        f"""SELECT count(*), count(d.period_key)
        FROM read_parquet('{warehouse}/marts/fact_measure/financial_year=*/*.parquet', hive_partitioning = true) f
        LEFT JOIN read_parquet('{warehouse}/marts/dim_period/*.parquet') d USING (period_key)"""
    ).fetchone()
    assert total > 0 and matched == total
    keys = con.execute(f"SELECT count(*), count(DISTINCT period_key) FROM read_parquet('{warehouse}/marts/dim_period/*.parquet')").fetchone()
    assert keys[0] == keys[1], "period_key is unique in dim_period"
