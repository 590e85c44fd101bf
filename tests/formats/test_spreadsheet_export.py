"""CSV and XLSX exports: every cell a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import make_study
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from evidence_tracker.domain.models import Author
from evidence_tracker.formats.csv_xlsx import (
    COLUMNS,
    FORMULA_STARTS,
    neutralise,
    study_row,
    write_csv,
    write_xlsx,
)

HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


def hostile_study() -> dict[str, object]:
    study = make_study(title=HOSTILE[0], journal=HOSTILE[1], abstract=HOSTILE[6],
                       authors=[Author(collective_name=HOSTILE[3])], keywords=[HOSTILE[2]],
                       pages="-5", volume=HOSTILE[4], issue=HOSTILE[5])
    return study_row(study, study_id=7, conditions=["crps"])


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_get_an_apostrophe(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ketamine", "107-15", "", "a=b", " =x", "'quoted"])
def test_other_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_neutralised_cell_starts_a_formula(value: str) -> None:
    out = neutralise(value)
    assert not out.startswith(FORMULA_STARTS)
    assert out in (value, "'" + value)


def test_csv_cells_are_neutralised() -> None:
    out = io.StringIO(newline="")
    assert write_csv([hostile_study()], out) == 1
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == list(COLUMNS)
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == "'" + HOSTILE[0]
    assert cells["journal"] == "'+1+1"
    assert cells["authors"] == "'@SUM(A1:A2)"
    assert cells["keywords"] == "'-2+3"
    assert cells["pages"] == "'-5"
    assert cells["volume"] == "'\t=1+1"
    assert cells["issue"] == "'\r=1+1"
    assert cells["abstract"] == "'" + HOSTILE[6]
    assert cells["study_id"] == "7" and cells["year"] == "2009"
    assert not any(c.startswith(FORMULA_STARTS) for c in row)


def test_xlsx_holds_text_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "studies.xlsx"
    assert write_xlsx([hostile_study()], str(path)) == 1
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, [c for c in sheet[2]], strict=True))
    for cell in cells.values():
        assert cell.data_type != "f"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS)
    assert cells["title"].value == "'" + HOSTILE[0]
    assert cells["journal"].value == "'+1+1"
    assert cells["year"].value == 2009 and cells["year"].data_type == "n"
    assert cells["pmid"].data_type == "s"


def test_xlsx_drops_characters_xml_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    write_xlsx([study_row(make_study(title="bad\x00\x07 title\x0b=1", abstract="x" * 40000))],
               str(path))
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["title"] == "bad title=1"
    assert len(row["abstract"]) == 32766 and row["abstract"].endswith("…")
