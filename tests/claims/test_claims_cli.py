"""The claims and link commands: the JSON contract, through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.config import resources_dir
from evidence_tracker.domain.models import AbstractSection, Study
from evidence_tracker.services.project import open_or_create
from evidence_tracker.services.settings import Settings, save_settings
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."
ABSTRACT = ("Sixty patients with complex regional pain syndrome received ketamine. " + QUOTE)


@pytest.fixture
def db(tmp_path: Path, study_factory: Callable[..., Study]) -> Path:
    path = tmp_path / "cli.sqlite3"
    with open_or_create(path) as project:
        crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
        upsert_studies(project, [study_factory(
            pmid="44000001", abstract=ABSTRACT, abstract_sections=[AbstractSection(ABSTRACT)])],
            condition_id=crps)
    return path


def run(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_claims_json_lists_every_claim(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(db, capsys, "claims", "--json")
    assert code == 0 and err == "54 claims\n"
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 54
    first = rows[0]
    assert set(first) >= {"id", "code", "text", "quote", "quotes", "sources", "category",
                          "conditions", "pico", "verdict", "counts"}
    assert first["code"] == "C001" and first["conditions"] == ["chronic-pain"]
    assert first["sources"][0] == {
        "clinic": "Palo Alto Mind Body", "clinic_slug": "palo-alto-mind-body",
        "page": "Can Ketamine Relieve My Chronic Pain?", "page_slug": "palo-alto-chronic-pain",
        "quote": "Now, it’s been shown to be effective for reducing chronic pain."}
    assert first["quote"] == first["sources"][0]["quote"]
    assert first["verdict"]["verdict"] == "insufficient_evidence"
    assert first["verdict"]["confirmed"] is False
    assert first["verdict"]["needs_rereview"] is False
    assert first["counts"] == {"supports": 0, "partly_supports": 0, "contradicts": 0,
                               "not_relevant": 0}


def test_link_then_claims_show_and_counts(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(db, capsys, "link", "44000001", "c011", "--stance", "supports",
                         "--quote", QUOTE, "--outcome", "pain", "--timepoint", "12 weeks",
                         "--reviewer", "ana", "--json")
    assert (code, err) == (0, "")
    link = json.loads(out)
    assert link["stance"] == "supports" and link["quotes"] == [QUOTE]
    assert link["study"]["pmid"] == "44000001" and link["study"]["design"] == "rct"
    assert link["reviewer"] == "ana" and link["timepoint"] == "12 weeks"

    code, out, _ = run(db, capsys, "claims", "show", "C011", "--json")
    detail = json.loads(out)
    assert code == 0 and detail["code"] == "C011"
    assert [lk["study"]["pmid"] for lk in detail["links"]] == ["44000001"]
    assert detail["counts"]["supports"] == 1
    # One unappraised RCT: risk of bias not assessed, so the certainty is only an upper
    # bound and the method suggests at most partly supported (vote counting said supported).
    assert detail["verdict"]["suggested"] == "partly_supported"
    suggestion = detail["verdict"]["suggestion"]
    assert detail["kind"] == "effect" and suggestion["provisional"] is True
    assert [s["key"] for s in suggestion["body"]["counted"]] == ["PMID 44000001"]
    assert suggestion["grade"]["unassessed"] == ["imprecision", "risk_of_bias"]
    assert suggestion["sof"][0]["timepoint"] == "12 weeks"
    assert detail["verdict"]["statement"].startswith("IV ketamine may reduce pain in CRPS")
    assert detail["suggestions"] == []  # the only CRPS study is linked already

    code, out, _ = run(db, capsys, "claims", "--json", "--condition", "crps")
    rows = {r["code"]: r for r in map(json.loads, out.splitlines())}
    assert rows["C011"]["counts"]["supports"] == 1
    assert rows["C018"]["counts"]["supports"] == 0


def test_claims_show_lists_suggestions(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(db, capsys, "claims", "--json", "show", "C011")
    detail = json.loads(out)
    assert code == 0
    assert [s["study"]["pmid"] for s in detail["suggestions"]] == ["44000001"]
    assert detail["suggestions"][0]["matched_terms"]
    assert "[" in detail["suggestions"][0]["snippet"]
    code, out, _ = run(db, capsys, "claims", "show", "C011")
    assert code == 0 and "Suggestions:" in out and "44000001" in out


def test_verdict_and_rereview_through_the_cli(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db, capsys, "link", "44000001", "C011", "--stance", "supports", "--quote", QUOTE,
        "--reviewer", "ana")
    code, out, _ = run(db, capsys, "claims", "verdict", "C011", "supported",
                       "--rationale", "one RCT", "--reviewer", "bo", "--json")
    verdict = json.loads(out)
    assert code == 0 and verdict["confirmed"] and verdict["verdict"] == "supported"
    code, out, _ = run(db, capsys, "link", "44000001", "C011", "--withdraw",
                       "--reviewer", "ana", "--json")
    assert code == 0 and json.loads(out)["withdrawn"] is True
    code, out, _ = run(db, capsys, "claims", "show", "C011", "--json")
    shown = json.loads(out)["verdict"]
    assert shown["needs_rereview"] is True and shown["suggested"] == "insufficient_evidence"
    assert shown["verdict"] == "supported"


def test_link_reviewer_defaults_to_settings(
    db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = run(db, capsys, "link", "44000001", "C011", "--stance", "supports",
                       "--quote", QUOTE)
    assert code == 1 and "--reviewer" in err
    settings = tmp_path / "settings.json"
    save_settings(Settings(reviewer_name="carla"), settings)
    monkeypatch.setenv("EVIDENCE_TRACKER_SETTINGS", str(settings))
    code, out, _ = run(db, capsys, "link", "#1", "C011", "--stance", "supports",
                       "--quote", QUOTE, "--json")
    assert code == 0 and json.loads(out)["reviewer"] == "carla"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["link", "44000001", "C011", "--stance", "supports", "--quote", "Not in it."],
         "does not occur"),
        (["link", "123", "C011", "--stance", "supports", "--quote", QUOTE], "No study"),
        (["link", "44000001", "C999", "--stance", "supports", "--quote", QUOTE], "No claim"),
        (["link", "44000001", "C011", "--quote", QUOTE], "--stance"),
        (["claims", "show", "nonsense"], "No claim"),
    ],
)
def test_errors_exit_1_with_a_message(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(db, capsys, *args, "--reviewer", "ana") if args[0] == "link" else \
        run(db, capsys, *args)
    assert code == 1 and out == ""
    assert err.startswith("evidence-tracker: ") and message in err


def test_extract_prints_candidates(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = resources_dir() / "seeds" / "004_32ccefa8c8e1293b.txt"
    code, out, err = run(db, capsys, "claims", "extract", str(page), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == f"{len(rows)} candidate claims\n"
    text = page.read_text(encoding="utf-8")
    assert all(text[r["start"] : r["end"]] == r["sentence"] for r in rows)
    by_sentence = {r["sentence"]: r for r in rows}
    fda = by_sentence["When used for chronic pain management, ketamine has very few adverse "
                      "side effects."]
    assert fda["match"]["code"] == "C019" and fda["merge_suggested"]
    assert fda["category"] == "safety" and "chronic-pain" in fda["conditions"]
    code, out, _ = run(db, capsys, "claims", "extract", str(page), "--min-score", "99")
    assert code == 0 and out == ""
