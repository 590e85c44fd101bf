"""`claims add`, `claims edit`, `claims delete`, `claims restore` and `claims deleted`
through the real entry point (and, for the confirmation, a real terminal)."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_tracker.__main__ import main
from evidence_tracker.domain.models import AbstractSection, Study
from evidence_tracker.services.project import open_or_create
from evidence_tracker.store import conditions as condition_store
from evidence_tracker.store.studies import upsert_studies

QUOTE = "Ketamine reduced pain intensity compared with placebo at 12 weeks."
ABSTRACT = "Sixty patients with complex regional pain syndrome received ketamine. " + QUOTE


@pytest.fixture
def db(tmp_path: Path, study_factory: Callable[..., Study]) -> Path:
    """A seeded project with one CRPS trial, linked by ana to C011 as supporting."""
    path = tmp_path / "crud.sqlite3"
    with open_or_create(path) as project:
        crps = next(c.id for c in condition_store.list_conditions(project) if c.slug == "crps")
        upsert_studies(project, [study_factory(
            pmid="44000001", abstract=ABSTRACT, abstract_sections=[AbstractSection(ABSTRACT)])],
            condition_id=crps)
    assert main(["--db", str(path), "link", "44000001", "C011", "--stance", "supports",
                 "--quote", QUOTE, "--reviewer", "ana"]) == 0
    return path


def run(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def codes(db: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, _ = run(db, capsys, "claims", "--json")
    assert code == 0
    return [json.loads(line)["code"] for line in out.splitlines()]


def test_add_proposes_what_is_not_given(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code, out, err = run(db, capsys, "claims", "add",
                         "Ketamine infusions relieve fibromyalgia pain within 40 minutes",
                         "--outcome", "Pain intensity", "--kind", "effect",
                         "--reviewer", "ana", "--json")
    assert (code, err) == (0, "")
    claim = json.loads(out)
    assert claim["code"] == "C055" and claim["kind"] == "effect" and claim["kind_classified"]
    assert claim["conditions"] == ["fibromyalgia"] and claim["category"] == "onset"
    assert claim["scope"] == {"population": "", "intervention": "Ketamine",
                              "comparator": "", "outcome": "Pain intensity",
                              "timepoint": "within 40 minutes"}
    assert claim["sources"] == [] and claim["counts"]["supports"] == 0
    code, out, _ = run(db, capsys, "claims", "add", "Ketamine is safe for everyone",
                       "--category", "safety", "--condition", "crps", "--condition",
                       "fibromyalgia", "--reviewer", "ben")
    assert code == 0
    assert out.splitlines()[0] == "Added C056: Ketamine is safe for everyone"
    code, out, _ = run(db, capsys, "claims", "show", "C056", "--json")
    shown = json.loads(out)
    assert shown["category"] == "safety" and shown["conditions"] == ["crps", "fibromyalgia"]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["claims", "add", "   ", "--reviewer", "ana"], 1, "A claim needs a text."),
        (["claims", "add", "Ketamine helps", "--condition", "nope", "--reviewer", "ana"], 1,
         "Unknown condition(s): nope."),
        (["claims", "add", "Ketamine helps"], 1, "Who is reviewing?"),
        (["claims", "add", "Ketamine helps", "--category", "nope", "--reviewer", "ana"], 2,
         "argument --category: invalid choice: 'nope' (choose from 'efficacy'"),
        (["claims", "add", "Ketamine helps", "--kind", "nope", "--reviewer", "ana"], 2,
         "argument --kind: invalid choice: 'nope' (choose from 'effect'"),
        (["claims", "edit", "C011", "--text", "", "--reviewer", "ana"], 1,
         "A claim needs a text."),
        (["claims", "edit", "C999", "--text", "x", "--reviewer", "ana"], 1, "No claim 'C999'"),
        (["claims", "edit", "C011", "--reviewer", "ana"], 1, "Nothing to change"),
        (["claims", "delete", "C999", "--yes", "--reviewer", "ana"], 1, "No claim 'C999'"),
        (["claims", "delete", "C011", "--yes"], 1, "Who is reviewing?"),
        (["claims", "restore", "C011", "--reviewer", "ana"], 1,
         "C011 is not deleted: there is nothing to restore."),
        (["claims", "restore", "nonsense", "--reviewer", "ana"], 1, "No claim 'nonsense'"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str], status: int, message: str
) -> None:
    before = codes(db, capsys)
    if status == 2:  # argparse: usage and the choices on stderr, exit status 2
        with pytest.raises(SystemExit) as exited:
            main(["--db", str(db), *args])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "usage: evidence-tracker claims" in err
    else:
        code, out, err = run(db, capsys, *args)
        assert (code, out) == (status, "")
        assert err.startswith("evidence-tracker: ") and message in err
    assert codes(db, capsys) == before
    code, out, _ = run(db, capsys, "claims", "show", "C011", "--json")
    assert json.loads(out)["counts"]["supports"] == 1  # the link is untouched
    # No code was used up: the next claim still gets C055.
    code, out, _ = run(db, capsys, "claims", "add", "Ketamine helps", "--reviewer", "ana")
    assert out.startswith("Added C055:")


def test_delete_then_restore_brings_the_link_and_verdict_back(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, capsys, "claims", "verdict", "C011", "partly_supported", "--rationale",
               "one trial", "--reviewer", "ana")[0] == 0
    code, out, _ = run(db, capsys, "claims", "show", "C011", "--json")
    before = json.loads(out)

    # Not a terminal (pytest's stdin) and no --yes: nobody can confirm, so it refuses.
    code, out, err = run(db, capsys, "claims", "delete", "C011", "--reviewer", "bo")
    assert (code, out) == (1, "")
    assert err == ("evidence-tracker: not deleting C011 without confirmation: nobody can "
                   "answer on this input (not a terminal). Pass --yes to confirm.\n")
    assert "C011" in codes(db, capsys)

    code, out, err = run(db, capsys, "claims", "delete", "C011", "--yes", "--reviewer", "bo",
                         "--reason", "duplicate of C012", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"id": before["id"], "code": "C011", "deleted": True,
                               "links": 1, "studies": 1}
    assert "C011" not in codes(db, capsys) and len(codes(db, capsys)) == 53
    code, out, err = run(db, capsys, "claims", "show", "C011")
    assert code == 1 and "No claim 'C011': it was deleted (restore it first)." in err
    code, out, err = run(db, capsys, "link", "44000001", "C011", "--stance", "contradicts",
                         "--quote", QUOTE, "--reviewer", "ana")
    assert code == 1 and "it was deleted" in err
    code, out, err = run(db, capsys, "claims", "deleted", "--json")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert err == "1 deleted claim\n"
    assert (row["code"], row["deleted_by"], row["reason"]) == ("C011", "bo", "duplicate of C012")
    assert row["text"] == before["text"] and row["deleted_at"]
    code, out, _ = run(db, capsys, "claims", "deleted")
    assert out.startswith("C011   deleted ") and "by bo: duplicate of C012\n" in out
    code, out, _ = run(db, capsys, "history", "--claim", "C011", "--json")  # still readable
    assert code == 0
    assert [e["kind"] for e in json.loads(out)["events"]][-2:] == ["verdict", "claim"]

    code, out, err = run(db, capsys, "claims", "restore", "c011", "--reviewer", "cy",
                         "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["counts"] == before["counts"]
    code, out, _ = run(db, capsys, "claims", "show", "C011", "--json")
    after = json.loads(out)
    assert after["links"] == before["links"] and after["verdict"] == before["verdict"]
    assert after["verdict"]["confirmed_verdict"] == "partly_supported"
    assert len(codes(db, capsys)) == 54
    code, out, err = run(db, capsys, "claims", "deleted")
    assert (out, err) == ("", "0 deleted claims\n")
    code, out, _ = run(db, capsys, "history", "--claim", "C011", "--json")
    notes = [e["note"] for e in json.loads(out)["events"] if e["kind"] == "claim"]
    assert notes == ["deleted: duplicate of C012", "restored"]
    assert run(db, capsys, "verify")[0] == 0


def _delete_at_a_terminal(db: Path, answer: str) -> subprocess.CompletedProcess[str]:
    """`claims delete C011` in a child whose standard input is a real terminal (a pty)
    on which the user types ``answer``."""
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")
        return subprocess.run(
            [sys.executable, "-m", "evidence_tracker", "--db", str(db), "claims", "delete",
             "C011", "--reviewer", "bo"],
            stdin=follower, capture_output=True, text=True, timeout=60, check=False,
            env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    finally:
        os.close(follower)
        os.close(leader)


def test_delete_asks_at_a_terminal(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proc = _delete_at_a_terminal(db, "n")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("Delete C011: IV ketamine reduces pain in complex "
                                  "regional pain syndrome (CRPS)\n")
    assert "Its 1 link to 1 study, its GRADE and its verdict go with it." in proc.stderr
    assert proc.stderr.endswith("Delete it? [y/N] Nothing changed: not deleting C011.\n")
    assert "C011" in codes(db, capsys)

    proc = _delete_at_a_terminal(db, "y")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("Deleted C011 (with 1 link); `claims restore C011` brings it back "
                           "as it was.\n")
    assert "C011" not in codes(db, capsys)


def test_ctrl_c_at_the_question_is_a_no(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    leader, follower = pty.openpty()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "evidence_tracker", "--db", str(db), "claims", "delete",
             "C011", "--reviewer", "bo"],
            stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONIOENCODING="utf-8"))
        assert child.stderr is not None
        asked = b""
        while not asked.endswith(b"[y/N] "):  # the question is written, the child reads
            chunk = child.stderr.read1(4096)
            assert chunk, asked
            asked += chunk
        child.send_signal(signal.SIGINT)
        out, rest = child.communicate(timeout=60)
    finally:
        os.close(follower)
        os.close(leader)
    assert child.returncode == 1 and out == b"", rest.decode()
    assert rest.decode() == "\nNothing changed: not deleting C011.\n"
    assert "C011" in codes(db, capsys)
