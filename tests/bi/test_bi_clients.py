"""The published warehouse, opened by the BI clients analysts use: DuckDB, pyarrow and polars.

Expected numbers are the hand-worked answers for the demo extract (demo/EXPECTED.md):
FY2021-22 has 34 contacts, 19 referrals, 6 S47 enquiries and 4 children on CP plans at
31 March 2022; 19 referrals / 49,388 children (ONS mid-2021) x 10,000 = 3.8471 per 10k.
"""
import datetime as dt

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

FY_2021_22 = {"contacts": 34, "referrals": 19, "s47_enquiries": 6, "cpp_at_date": 4}


def fact_glob(warehouse):
    return f"{warehouse}/marts/fact_measure/financial_year=*/*.parquet"


def test_duckdb_reads_the_fact_table_with_its_financial_year_partition(warehouse):
    con = duckdb.connect()
    rows = con.execute(
        f"""
        SELECT measure_id, numerator, value, financial_year, period_start
        FROM read_parquet('{fact_glob(warehouse)}', hive_partitioning = true)
        WHERE period_type = 'financial_year' AND financial_year = '2021-22'
        """
    ).fetchall()
    got = {r[0]: r for r in rows}
    for measure, expected in FY_2021_22.items():
        assert got[measure][1] == expected, measure
        assert got[measure][3] == "2021-22"
        assert got[measure][4] == dt.date(2021, 4, 1)
    assert got["referral_rate_per_10k"][2] == pytest.approx(3.8471, abs=5e-5)
    partitions = con.execute(
        f"SELECT DISTINCT financial_year FROM read_parquet('{fact_glob(warehouse)}', hive_partitioning = true) ORDER BY 1"
    ).fetchall()
    assert [p[0] for p in partitions][-2:] == ["2021-22", "2022-23"]


def test_duckdb_sees_typed_columns(warehouse):
    con = duckdb.connect()
    types = dict(
        con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{fact_glob(warehouse)}', hive_partitioning = true))"
        ).fetchall()
    )
    assert types["period_start"] == "DATE"
    assert types["period_end"] == "DATE"
    assert types["numerator"] == "BIGINT"
    assert types["value"] == "DOUBLE"
    assert types["financial_year"] == "VARCHAR"


def test_duckdb_partition_filter_prunes_files(warehouse):
    con = duckdb.connect()
    plan = con.execute(
        f"EXPLAIN ANALYZE SELECT count(*) FROM read_parquet('{fact_glob(warehouse)}', hive_partitioning = true) WHERE financial_year = '2022-23'"
    ).fetchall()
    text = "\n".join(str(r) for r in plan)
    # Only the one partition's file is scanned.
    assert "Total Files Read: 1" in text or "Total Files Read:1" in text.replace(" ", ""), text


def test_pyarrow_dataset_with_hive_partitioning(warehouse):
    table = ds.dataset(f"{warehouse}/marts/fact_measure", format="parquet", partitioning="hive").to_table(
        filter=(ds.field("financial_year") == "2022-23") & (ds.field("period_type") == "financial_year")
    )
    got = {r["measure_id"]: r["numerator"] for r in table.to_pylist()}
    assert got["contacts"] == 33 and got["referrals"] == 18 and got["cpp_at_date"] == 3


def test_polars_scan_parquet(warehouse):
    df = (
        pl.scan_parquet(fact_glob(warehouse), hive_partitioning=True)
        .filter((pl.col("period_type") == "month") & (pl.col("period_start") == dt.date(2022, 1, 1)))
        .select("measure_id", "numerator", "financial_year")
        .collect()
    )
    got = {r["measure_id"]: r for r in df.to_dicts()}
    assert got["referrals"]["numerator"] == 4
    assert got["cpp_at_date"]["numerator"] == 5
    assert got["referrals"]["financial_year"] == "2021-22"


def test_issues_table_names_file_row_and_column(warehouse):
    con = duckdb.connect()
    row = con.execute(
        f"""
        SELECT file, row_number, column_letter, column_name, raw_value, issue_code
        FROM read_parquet('{warehouse}/quality/issues/*.parquet')
        WHERE issue_code = 'invalid_date'
        """
    ).fetchall()
    # Analysts get a raw value only when it is a clean code; a date may be a date of birth.
    assert row == [("ssd_contacts.csv", 33, "C", "cont_contact_date", None, "invalid_date")]
    raw = con.execute(
        f"""
        SELECT raw_value FROM read_parquet('{warehouse}/restricted/quality/issues/*.parquet')
        WHERE issue_code = 'invalid_date'
        """
    ).fetchall()
    assert raw == [("31/02/2022",)]


def test_annex_a_lists_keep_ofsted_headers_in_duckdb(warehouse):
    con = duckdb.connect()
    rel = con.execute(
        f"""SELECT "Child Unique ID", "Gender", "Date of Contact", "Contact Source", as_at
        FROM read_parquet('{warehouse}/restricted/annex_a/list_01_contacts/as_at=*/*.parquet', hive_partitioning = true)
        ORDER BY "Date of Contact" """
    )
    rows = rel.fetchall()
    # Demo as at 31 March 2023: the 16 contacts from 30 September 2022 on (demo/EXPECTED.md).
    assert len(rows) == 16
    assert all(r[4] in ("2023-03-31", dt.date(2023, 3, 31)) for r in rows)
    assert all(r[1][:3] in ("a) ", "b) ", "c) ", "d) ") for r in rows)
    assert isinstance(rows[0][2], dt.date)
