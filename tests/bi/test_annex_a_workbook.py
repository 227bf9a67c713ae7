"""The synthetic demo's Annex A workbook opened with a second reader, openpyxl, as an inspector's
or analyst's tools would open it: the Notes sheet first, then lists 1-11 with Ofsted's headers
(reference/annex_a/columns.csv), every lettered column holding only Ofsted's values
(reference/annex_a/lettered_values.csv) or a value the Notes name, no mandatory column blank
without a note, and every mandatory column of lists 1-10 filled for the synthetic LA.
"""
import csv
import subprocess
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from conftest import csc_binary

ROOT = Path(__file__).resolve().parents[2]


def catalogue():
    with open(ROOT / "reference/annex_a/columns.csv", newline="") as f:
        return list(csv.DictReader(f))


def domains():
    out = defaultdict(set)
    with open(ROOT / "reference/annex_a/lettered_values.csv", newline="") as f:
        for row in csv.DictReader(f):
            out[row["domain"]].add(row["value"])
    return out


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic_demo")
    done = subprocess.run([csc_binary(), "demo", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    path = out / "annex_a_2025-03-31.xlsx"
    assert path.is_file(), done.stdout
    return openpyxl.load_workbook(path, read_only=True)


def sheet_rows(book, name):
    return [list(r) for r in book[name].iter_rows(values_only=True)]


def notes(book):
    rows = sheet_rows(book, "Notes")
    assert rows[0] == ["Section", "List", "Column", "Note"]
    return [tuple("" if c is None else c for c in r) for r in rows[1:]]


def test_sheets_and_header_rows(book):
    assert book.sheetnames == ["Notes"] + [f"List {n}" for n in range(1, 12)]
    cols = catalogue()
    assert len(cols) == 169
    for n in range(1, 12):
        want = [c["header"] for c in cols if int(c["list"]) == n]
        header = sheet_rows(book, f"List {n}")[0]
        assert [h for h in header if h is not None] == want, f"List {n}"


def test_notes_give_the_as_at_date_source_and_row_counts(book):
    n = notes(book)
    about = " ".join(r[3] for r in n if r[0] == "About")
    assert "as at 2025-03-31" in about and "Source extract:" in about
    counts = {r[1]: r[3] for r in n if r[0] == "Rows"}
    for k in range(1, 12):
        rows = len(sheet_rows(book, f"List {k}")) - 1
        assert counts[f"List {k}"] == f"{rows} rows"


def test_lettered_columns_hold_only_ofsteds_values_or_noted_codes(book):
    values = domains()
    noted = {(r[1], r[2]) for r in notes(book) if r[0] == "Codes outside Ofsted's list"}
    checked = 0
    for col in catalogue():
        if not col["domain"]:
            continue
        sheet = f"List {col['list']}"
        rows = sheet_rows(book, sheet)
        i = rows[0].index(col["header"])
        for r, row in enumerate(rows[1:], start=2):
            v = row[i] if i < len(row) else None
            if v is None:
                continue
            checked += 1
            assert v in values[col["domain"]] or (sheet, col["header"]) in noted, f"{sheet}!{col['header']} row {r}: {v!r}"
    assert checked > 10000


def test_no_mandatory_column_is_blank_without_a_note(book):
    noted = {(r[1], r[2]) for r in notes(book) if r[0] == "Blank"}
    for col in catalogue():
        if col["mandatory"] != "Y":
            continue
        sheet = f"List {col['list']}"
        rows = sheet_rows(book, sheet)
        i = rows[0].index(col["header"])
        blank = sum(1 for row in rows[1:] if i >= len(row) or row[i] in (None, ""))
        if blank:
            assert (sheet, col["header"]) in noted, f"{sheet}!{col['header']}: {blank} blank cells and no note"


def test_the_synthetic_la_fills_every_mandatory_column_of_lists_1_to_10(book):
    # The demo's extract carries the faults real exports have (a few rows rejected or with a cell
    # unreadable), so a mandatory column may be blank on a handful of rows, each in the Notes
    # (test above); every list has rows and every mandatory column is filled on 99% of them.
    for col in catalogue():
        n = int(col["list"])
        if col["mandatory"] != "Y" or n > 10:
            continue
        rows = sheet_rows(book, f"List {n}")
        assert len(rows) > 1, f"List {n} has no rows"
        i = rows[0].index(col["header"])
        blank = [r for r, row in enumerate(rows[1:], start=2) if i >= len(row) or row[i] in (None, "")]
        assert len(blank) <= 0.01 * (len(rows) - 1), f"List {n}!{col['header']}: blank on rows {blank[:5]} ({len(blank)} in all)"
