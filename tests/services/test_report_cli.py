"""The writers' and auditors' commands: export, cite, report, claimreview."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import rispy
from openpyxl import load_workbook
from report_project import audited_project

from evidence_tracker.__main__ import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "audit.sqlite3"
    audited_project(path).close()
    return str(path)


def test_cite_studies_in_both_styles(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "cite", "19783371", "24101234"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1. Schwartzman RJ, Alexander GM, CRPS Study Group. Intravenous")
    assert out[1] == "2. Noppers I. Ketamine in fibromyalgia: a randomised crossover study of " \
        "pain & mood (α-2 effects). Clin J Pain. 2014;30(2):1211-1216. doi:10.1000/et.24101234"
    assert main(["--db", db, "cite", "24101234", "--style", "vancouver", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["citations"][0]["text"].endswith("Clin J Pain. 2014 Feb;30(2):1211-6. "
                                                 "doi:10.1000/et.24101234")
    assert "&amp;" in data["citations"][0]["html"]


def test_cite_a_claim_with_its_certainty(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "cite", "--claim", "C011"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Low-certainty evidence suggests that IV ketamine reduces pain in " \
        "complex regional pain syndrome (CRPS)."
    assert lines[2].startswith("1. Schwartzman RJ") and lines[3].startswith("2. Schwartzman RJ")
    assert main(["--db", db, "cite", "--claim", "C005"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Certainty not yet graded. The evidence reviewed")
    assert "[Retracted]" in out
    assert main(["--db", db, "cite", "--claim", "C999"]) == 1
    assert "No claim 'C999'" in capsys.readouterr().err
    assert main(["--db", db, "cite"]) == 2


def test_export_every_format(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                             ) -> None:
    for fmt, name in (("ris", "a.ris"), ("bibtex", "a.bib"), ("csljson", "a.json"),
                      ("nbib", "a.nbib"), ("csv", "a.csv"), ("xlsx", "a.xlsx")):
        assert main(["--db", db, "export", "--format", fmt, "--out",
                     str(tmp_path / name)]) == 0
        assert "Wrote 4 studies" in capsys.readouterr().out
    assert len(rispy.loads((tmp_path / "a.ris").read_text(encoding="utf-8"))) == 4
    assert len(json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))) == 4
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    links = {r["pmid"]: r["claim_links"] for r in rows}
    assert links["19783371"] == "C011 supports" and links["24101234"] == "C008 contradicts"
    book = load_workbook(tmp_path / "a.xlsx")
    assert book.active is not None and book.active.max_row == 5
    book.close()


def test_export_a_claim_or_a_condition(db: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c011.ris"
    assert main(["--db", db, "export", "--claim", "C011", "--out", str(out)]) == 0
    assert {r["accession_number"] for r in rispy.loads(out.read_text(encoding="utf-8"))} == \
        {"19783371", "30000999"}
    assert main(["--db", db, "export", "--condition", "fibromyalgia", "--condition",
                 "neuropathic-pain", "--out", str(tmp_path / "two.csv")]) == 0
    assert "Wrote 2 studies" in capsys.readouterr().out
    assert main(["--db", db, "export", "--condition", "gout", "--out",
                 str(tmp_path / "x.csv")]) == 1
    assert "No condition 'gout'" in capsys.readouterr().err
    assert main(["--db", db, "export", "--out", str(tmp_path / "x.docx")]) == 2
    assert main(["--db", db, "export", "--study", "99999999", "--out",
                 str(tmp_path / "x.ris")]) == 1


def test_report_and_claimreview(db: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "report", "--out", str(tmp_path / "r.html"),
                 "--clinic", "Katy Pain and Spine"]) == 0
    assert "(Katy Pain and Spine)" in capsys.readouterr().out
    assert "Katy Pain and Spine" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert main(["--db", db, "report", "--out", str(tmp_path / "r.pdf")]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert main(["--db", db, "report", "--out", str(tmp_path / "r.pdf"), "--clinic", "X"]) == 1
    assert "No claims from a clinic" in capsys.readouterr().err
    assert main(["--db", db, "claimreview", "--out", str(tmp_path / "c.jsonld")]) == 0
    assert "2 ClaimReview(s)" in capsys.readouterr().out
