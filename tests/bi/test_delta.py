"""The warehouse's tables as Delta Lake tables, opened with the `deltalake` Python package and
polars: the current version holds exactly what a plain Parquet read of the folder holds, and each
commit's commitInfo names the run that published it (`_runs/published.json`)."""
import json

import duckdb
import polars as pl
from deltalake import DeltaTable

TABLES = ["core/contact", "marts/fact_measure", "marts/dim_measure", "quality/issues", "restricted/annex_a/list_01_contacts"]


def published(warehouse):
    return json.loads((warehouse / "_runs" / "published.json").read_text())


def test_every_published_table_is_a_delta_table_at_the_manifest_version(warehouse):
    manifest = published(warehouse)
    assert manifest["retained_runs"] == [manifest["run_id"]]
    for folder, version in manifest["delta_versions"].items():
        table = DeltaTable(str(warehouse / folder))
        assert table.version() == version, folder


def test_delta_rows_match_the_plain_parquet_folder(warehouse):
    con = duckdb.connect()
    for folder in TABLES:
        delta = pl.read_delta(str(warehouse / folder))
        partitioned = folder.endswith("fact_measure") or "annex_a" in folder
        glob = f"{warehouse}/{folder}/*=*/*.parquet" if partitioned else f"{warehouse}/{folder}/*.parquet"
        plain = con.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = {str(partitioned).lower()})").pl()
        assert delta.height == plain.height > 0, folder
        columns = sorted(plain.columns)
        assert sorted(delta.columns) == columns, folder
        # Same rows, compared as text so partition columns typed differently by each reader match.
        as_text = lambda df: sorted(df.select([pl.col(c).cast(pl.Utf8) for c in columns]).rows(), key=repr)
        assert as_text(delta) == as_text(plain), folder


def test_history_names_the_run_that_published_each_version(warehouse):
    manifest = published(warehouse)
    table = DeltaTable(str(warehouse / "marts" / "fact_measure"))
    last = table.history(1)[0]
    assert last["cscRunId"] == manifest["run_id"]
    assert last["cscRunKey"] == manifest["run_key"]
    assert last["cscAsAt"] == manifest["as_at"]
    assert table.metadata().partition_columns == ["financial_year"]
    # The data files the current version lists are exactly those in the partition folders.
    listed = sorted(table.file_uris())
    on_disk = sorted(str(p) for p in (warehouse / "marts" / "fact_measure").glob("financial_year=*/*.parquet"))
    assert [u.removeprefix("file://") for u in listed] == on_disk
