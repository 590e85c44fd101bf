"""A published report carries the audit trail's head, and the project can be checked
against it later (``verify --head``)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_project import audited_project

from evidence_tracker.__main__ import main
from evidence_tracker.services.report import write_report
from evidence_tracker.store import Project


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Project]:
    project = audited_project(tmp_path / "audit.sqlite3")
    yield project
    project.close()


def _head(project: Project) -> tuple[int, str]:
    row = project.conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    return int(row[0]), str(row[1])


def test_the_html_report_prints_the_chain_head_and_it_verifies(
    audited: Project, tmp_path: Path, capsys
) -> None:
    event_id, digest = _head(audited)
    out = tmp_path / "report.html"
    write_report(audited, out)
    html = out.read_text(encoding="utf-8")
    printed = re.search(r'id="audit-head">Audit trail head: event #(\d+), hash <code>([0-9a-f]{64})'
                        r"</code>", html)
    assert printed and (int(printed.group(1)), printed.group(2)) == (event_id, digest)
    assert main(["--db", str(audited.path), "verify", "--json", "--head", digest]) == 0
    assert json.loads(capsys.readouterr().out)["head_found"] is True
    # The newest judgements removed with the shell: the report no longer matches.
    conn = sqlite3.connect(audited.path, isolation_level=None)
    conn.execute("DROP TRIGGER events_append_only_delete")
    conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
    conn.close()
    assert main(["--db", str(audited.path), "verify", "--head", digest]) == 1
    assert "not in this project's audit trail" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_report_prints_the_chain_head(audited: Project, tmp_path: Path) -> None:
    event_id, digest = _head(audited)
    out = tmp_path / "report.pdf"
    write_report(audited, out)
    words = "".join(subprocess.run(["pdftotext", str(out), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert f"Audittrailhead:event#{event_id},hash{digest}." in words
