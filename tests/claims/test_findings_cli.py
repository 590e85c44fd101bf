"""The findings, reviews, `claims edit` and link-appraisal commands, through the real
entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.domain.models import AbstractSection, Study
from evidence_tracker.pubmed.parser import iter_pubmed_xml
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."
EARLY = "Pain fell at 4 weeks."
ABSTRACT = f"Sixty patients with complex regional pain syndrome received ketamine. {QUOTE} {EARLY}"
PUBMED7 = Path(__file__).resolve().parent.parent / "data" / "ncbi" / "pubmed7.xml"


@pytest.fixture
def db(tmp_path: Path, study_factory: Callable[..., Study]) -> Path:
    path = tmp_path / "cli.sqlite3"
    with open_or_create(path) as project:
        crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
        upsert_studies(project, [
            study_factory(pmid=pmid, abstract=ABSTRACT,
                          abstract_sections=[AbstractSection(ABSTRACT)])
            for pmid in ("45000001", "25144646", "8028666")], condition_id=crps)
        upsert_studies(project, list(iter_pubmed_xml(PUBMED7)))
    return path


def run(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_findings_add_edit_withdraw_list(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, capsys, "link", "45000001", "C017", "--stance", "partly_supports",
               "--quote", QUOTE, "--outcome", "pain", "--timepoint", "12 weeks",
               "--reviewer", "ana")[0] == 0
    code, out, err = run(db, capsys, "findings", "add", "45000001", "C017", "--outcome",
                         "pain", "--timepoint", "4 weeks", "--direction", "favours",
                         "--effect", "MD:-1.2:-2.0:-0.4", "--analysed", "60", "--quote",
                         EARLY, "--comparator", "placebo", "--reviewer", "ana", "--json")
    assert code == 0, err
    link = json.loads(out)
    assert [f["timepoint"] for f in link["findings"]] == ["12 weeks", "4 weeks"]
    added = link["findings"][1]
    assert added["effect"] == {"measure": "MD", "value": -1.2, "ci_low": -2.0, "ci_high": -0.4}
    assert (added["analysed"], added["quotes"], added["comparator"]) == (60, [EARLY], "placebo")
    first = link["findings"][0]["id"]
    code, out, _ = run(db, capsys, "findings", "edit", "45000001", "C017", "--id", first,
                       "--direction", "no_difference", "--reviewer", "ana", "--json")
    assert code == 0 and json.loads(out)["findings"][0]["direction"] == "no_difference"
    code, out, _ = run(db, capsys, "findings", "list", "45000001", "C017")
    assert code == 0
    assert f"{first}  12 weeks  pain  no_difference" in out
    assert f"{added['id']}  4 weeks  pain  favours  MD -1.2 (95% CI -2 to -0.4)  n=60  " \
        "vs placebo" in out
    code, out, _ = run(db, capsys, "findings", "withdraw", "45000001", "C017", "--id",
                       added["id"], "--reviewer", "ana", "--json")
    assert code == 0 and len(json.loads(out)["findings"]) == 1
    code, out, _ = run(db, capsys, "findings", "list", "45000001", "C017", "--json")
    assert [len(json.loads(line)["findings"]) for line in out.splitlines()] == [1]


def test_findings_errors_are_explained(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, capsys, "link", "45000001", "C017", "--stance", "supports", "--quote", QUOTE,
        "--reviewer", "ana")
    code, _, err = run(db, capsys, "findings", "add", "45000001", "C017", "--direction",
                       "favours", "--effect", "MD:-3:-2:-1", "--reviewer", "ana")
    assert code == 1 and "does not contain the estimate" in err
    code, _, err = run(db, capsys, "findings", "add", "45000001", "C017", "--direction",
                       "favours", "--effect", "HR:1:1:1", "--reviewer", "ana")
    assert code == 1 and "MEASURE:VALUE:LOW:HIGH" in err
    code, _, err = run(db, capsys, "findings", "edit", "45000001", "C017", "--id", "x",
                       "--reviewer", "ana")
    assert code == 1 and "Nothing to change" in err


def test_link_records_reported_certainty_and_attribution(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(db, capsys, "link", "45000001", "C050", "--stance", "supports",
                         "--quote", QUOTE, "--attribution", "overstated", "--reviewer",
                         "ana", "--json")
    assert code == 0, err
    assert json.loads(out)["attribution"] == "overstated"
    # Without --stance only the appraisal changes.
    code, out, err = run(db, capsys, "link", "45000001", "C050", "--reported-certainty",
                         "very_low", "--reviewer", "ana", "--json")
    assert code == 0, err
    link = json.loads(out)
    assert (link["stance"], link["reported_certainty"], link["attribution"]) == (
        "supports", "very_low", "overstated")


def test_claims_edit_sets_kind_and_scope(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(db, capsys, "claims", "edit", "C011", "--kind", "comparison",
                         "--intervention", "IV ketamine 0.35 mg/kg/h for 4 hours",
                         "--time-frame", "up to 12 weeks", "--reviewer", "ana", "--json")
    assert code == 0, err
    claim = json.loads(out)
    assert (claim["kind"], claim["kind_classified"]) == ("comparison", True)
    assert claim["pico"]["intervention"] == "IV ketamine 0.35 mg/kg/h for 4 hours"
    assert claim["pico"]["timepoint"] == "up to 12 weeks"
    assert claim["pico"]["population"] == "Adults with CRPS"  # untouched fields stay
    code, out, _ = run(db, capsys, "claims", "show", "C011")
    assert "Kind:       Comparison / superlative\n" in out
    code, _, err = run(db, capsys, "claims", "edit", "C011", "--reviewer", "ana")
    assert code == 1 and "Nothing to change" in err


def test_reviews_propose_include_show(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(db, capsys, "reviews", "propose", "29963580", "--json")
    assert code == 0, err
    proposed = [s["pmid"] for s in json.loads(out)["proposed"]]
    assert proposed == ["25144646", "8028666"]  # citation order
    code, out, _ = run(db, capsys, "reviews", "show", "29963580", "--json")
    assert json.loads(out)["included"] is None
    code, out, err = run(db, capsys, "reviews", "include", "29963580", "25144646",
                         "--reviewer", "ana")
    assert code == 0, err
    assert out == "29963580 includes 1 study\n"
    code, out, _ = run(db, capsys, "reviews", "show", "29963580", "--json")
    assert [s["pmid"] for s in json.loads(out)["included"]] == ["25144646"]
    code, out, _ = run(db, capsys, "reviews", "show", "29963580")
    assert "Included studies: 1\n" in out and "Proposed from its reference list: 2\n" in out
